"""The words of the case page's facts and action forms (templates/work/case.html), Chinese and
English: the labels of the fields a workflow action declares and the values they offer."""

from __future__ import annotations

from gridcity.web import i18n

i18n.add_words(
    {
        "case.proposed": ("建议", "proposed"),
        "case.paused": ("挂账，计时暂停", "suspended, the clock is paused"),
        "case.extension_example": ("如：4 工作小时", "e.g. 4 working hours"),
        "case.reason_example": ("回访核实处置结果", "calling back to confirm the disposal"),
    }
)
