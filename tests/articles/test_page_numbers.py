"""A page number is ASCII digits or the page is not there (404, never 500)."""

import pytest

NOT_PAGE_NUMBERS = ["%C2%B2", "%C2%B9", "%D9%A3", "abc", "-1", "0", "1.0", " 1"]


@pytest.fixture
def site(make_article, make_author, make_region, make_theme, make_report):
    author = make_author(slug="ada")
    region = make_region(slug="sahel")
    theme = make_theme(slug="water")
    article = make_article(
        "Water in the Sahel",
        authors=[author],
        regions=[region],
        themes=[theme],
        tags=["drought"],
    )
    make_report(slug="dry-years", articles=[article])


LISTINGS = [
    "/regions/sahel/",
    "/themes/water/",
    "/authors/ada/",
    "/tags/drought/",
    "/reports/dry-years/",
    "/search/?q=water&",
    "/authors/",
]


@pytest.mark.parametrize("listing", LISTINGS)
def test_a_page_number_int_refuses_is_not_found(client, site, listing):
    glue = "" if listing.endswith("&") else "?"
    assert client.get(f"{listing}{glue}page=1").status_code == 200
    for number in NOT_PAGE_NUMBERS:
        response = client.get(f"{listing}{glue}page={number}")
        assert response.status_code == 404, (listing, number)
        assert "Page not found" in response.text
