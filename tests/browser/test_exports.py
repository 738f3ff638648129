"""An XLSX export in the browser: built by the (eager) worker, then downloaded by its owner."""

import io

import pytest
from openpyxl import load_workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_staff_export_residents_as_xlsx_and_download_it(open_tab, cast):
    tab = open_tab("export")
    page = tab.page
    tab.login("street")
    tab.goto("/exports/")
    page.select_option("select[name=kind]", value="residents")
    page.check("input[name=file_format][value=xlsx]")
    page.fill("input[name=purpose]", "季度走访名单")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/exports/*/")
    tab.shot("1-done")
    with page.expect_download() as download:
        page.click("[data-testid=export-download]")
    rows = list(load_workbook(io.BytesIO(download.value.path().read_bytes())).active.values)
    assert [row[0] for row in rows[1:]] == [cast.resident.name]
    assert rows[1][3] == cast.resident.masked_id_number
    assert download.value.suggested_filename.endswith(".xlsx")
