"""The words of the case page's facts and action forms (templates/work/case.html), Chinese and
English: the labels of the fields a workflow action declares and the values they offer."""

from __future__ import annotations

from gridcity.web import i18n

i18n.add_words(
    {
        "case.proposed": ("建议", "proposed"),
        "case.paused": ("挂账，计时暂停", "suspended, the clock is paused"),
        "case.supervisor": ("监督员", "Supervisor"),
        "case.grid_holder": ("（责任网格）", " (the grid's supervisor)"),
        "case.extension": ("延期", "Extension"),
        "case.extension_example": ("如：4 工作小时", "e.g. 4 working hours"),
        "case.closing_type": ("结案类型", "Closing type"),
        "case.closing_auto": ("按时限自动判定", "By the clock"),
        "case.to_role": ("发给", "To"),
        "case.reason_example": ("回访核实处置结果", "calling back to confirm the disposal"),
        "verdict.satisfied": ("满意", "satisfied"),
        "verdict.basically_satisfied": ("基本满意", "basically satisfied"),
        "verdict.dissatisfied": ("不满意", "dissatisfied"),
    }
)
