// Building page elements from data. Case numbers, class, street, department and person names,
// descriptions — anything someone typed — are put into the page as text nodes, never as HTML
// parsed from a string (docs/security.md, "Output safety"): a class named
// `<img src=x onerror=alert(1)>` shows those characters and runs nothing. Every page script builds
// its rows, lists, popups and tooltips with these helpers instead of innerHTML, and hands Leaflet
// an element (a string given to bindPopup/bindTooltip/divIcon is parsed as HTML).
(function () {
  "use strict";

  // Children as nodes: a node as it is, anything else (strings, numbers) as a text node.
  function append(node, children) {
    [].concat(children == null ? [] : children).forEach(function (child) {
      if (child == null) { return; }
      node.appendChild(child.nodeType ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  // el("a", { href: "/cases/1", className: "sub" }, ["text", otherNode]): properties are set as
  // DOM properties; `dataset` and `style` take objects. HTML-parsing properties are refused.
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (/HTML$/.test(key)) { throw new Error("gridcityDom.el: no " + key); }
      if (key === "dataset" || key === "style") {
        Object.keys(value).forEach(function (k) { node[key][k] = value[k]; });
      } else {
        node[key] = value;
      }
    });
    return append(node, children);
  }

  // A popup's or tooltip's lines (each a string, a node or a list of them), one under the other.
  function lines(parts) {
    var box = el("div");
    parts.forEach(function (part, i) {
      if (i) { box.appendChild(el("br")); }
      append(box, part);
    });
    return box;
  }

  // Content for Leaflet's bindTooltip/bindPopup, made only when it opens (Leaflet calls it): a
  // text, or a list of lines for `lines`.
  function tip(content) {
    return function () {
      return Array.isArray(content) ? lines(content) : document.createTextNode(content == null ? "" : String(content));
    };
  }

  window.gridcityDom = { el: el, append: append, lines: lines, tip: tip };
})();
