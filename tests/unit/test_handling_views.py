"""The statistics page's charts and exports, without a browser: bars scale to the largest
value, largest first; every figure reaches the spreadsheet rows with Vietnamese labels. The
"Việc của tôi" page answers 200 whichever tasks it shows."""

from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.accounts import Principal
from services.gateway.routes_tasks import CHART_WIDTH, LABEL_WIDTH, TaskRoutes, bars, stats_charts
from services.handling import exports

STATS = {
    "records": {"received": 3, "by_register": {"den": 3}, "by_kind": {"cong_van": 2, "": 1},
                "by_organ": {"UBND": 3}},
    "tasks": {"received": 2, "open": 1, "done": 1, "done_late": 1, "overdue": 0,
              "by_assignee": {"lan": {"received": 2, "open": 1, "done": 1, "done_late": 1,
                                      "overdue": 0}},
              "by_unit": {"": {"received": 2, "open": 1, "done": 1, "done_late": 1,
                               "overdue": 0}},
              "by_kind": {}},
    "petitions": {"by_category": {"don_to_cao": 1}, "by_outcome": {"unassigned": 1}},
}  # fmt: skip


def test_bars_scale_to_the_largest_value_largest_first():
    chart = bars({"a": 1, "b": 4, "c": 2}, {"b": "Bê"})
    assert [r["label"] for r in chart["rows"]] == ["Bê", "c", "a"]
    assert chart["rows"][0]["width"] == CHART_WIDTH - LABEL_WIDTH - 50
    assert chart["rows"][2]["width"] == chart["rows"][0]["width"] / 4
    assert [r["y"] for r in chart["rows"]] == [0, 22, 44] and chart["height"] == 66
    assert bars({})["rows"] == []


def test_the_page_has_one_chart_per_view_with_vietnamese_labels():
    charts = stats_charts(STATS)
    assert [r["label"] for r in charts["by_kind"]["rows"]] == ["Công văn", "(không rõ)"]
    assert charts["overdue_by_assignee"]["rows"] == []
    assert len(charts["tasks"]["rows"]) == 5
    assert [r["label"] for r in charts["by_unit"]["rows"]] == ["(chưa có đơn vị)"]


def test_every_figure_is_a_row_of_the_export():
    rows = exports.stats_rows(STATS)
    assert ["Văn bản theo loại", "Công văn", "Tiếp nhận", 2] in rows
    assert ["Việc theo người chủ trì", "lan", "Giải quyết trễ hạn", 1] in rows
    assert ["Việc theo đơn vị", "(không rõ)", "Tiếp nhận", 2] in rows
    assert ["Đơn thư theo loại", "Đơn tố cáo", "Số lượng", 1] in rows


@pytest.mark.parametrize("shown", ["", "?status=all", "?status=done", "?overdue=1"])
def test_the_tasks_page_answers_200_whichever_tasks_it_shows(shown):
    """The tab shown once went to `render` as `status`, the HTTP status: "HTTP/1.1 0 all"."""
    environ = EnvironBuilder(path="/tasks" + shown).get_environ()
    environ["luutru.principal"] = Principal("lan", "reader", 0)
    handling = SimpleNamespace(list_tasks=lambda **_: {"tasks": []})
    routes = SimpleNamespace(gw=SimpleNamespace(handling=handling))
    response = TaskRoutes.tasks_page(routes, Request(environ))
    assert response.status_code == 200, response.status
    assert 'class="current"' in response.get_data(as_text=True) or shown == "?overdue=1"
