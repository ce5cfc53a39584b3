"""Gatehouse's own 403, 404 and 500 pages: the site's layout and navigation, the reason a
refusal gave, and a log that does not shout a traceback for an expected refusal."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db

CREATE = "/projects/new/"


def test_403_shows_the_reason_the_refusal_gave_with_the_navigation(client, executive):
    client.force_login(executive)
    response = client.get(CREATE)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only a PM can register a project." in html
    assert 'aria-label="Main"' in html and ">Projects</a>" in html  # the site's navigation
    assert "Go to your home page" in html
    assert "<title>Not allowed · Gatehouse</title>" in html


def test_an_expected_403_logs_one_line_without_a_traceback(client, executive, caplog):
    client.force_login(executive)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(CREATE).status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in refused] == [f"Forbidden (Permission denied): {CREATE}"]
    assert refused[0].levelno == logging.WARNING
    assert refused[0].exc_info is None and "Traceback" not in caplog.text


def test_404_is_a_page_of_the_site_not_django_debug_listing(client, pm):
    client.force_login(pm)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no page here" in html
    assert 'aria-label="Main"' in html and "Go to your home page" in html
    assert "URLconf" not in html and "admin/" not in html  # no list of URL patterns


def test_404_for_an_anonymous_visitor_offers_the_login(client, db):
    html = client.get("/no-such-page/").content.decode()
    assert "There is no page here" in html and 'href="/accounts/login/"' in html


def test_a_foreign_project_answers_the_same_404_page(client, pm, other_project):
    client.force_login(pm)
    response = client.get(other_project.get_absolute_url())
    assert response.status_code == 404
    assert "There is no page here" in response.content.decode()


def test_500_renders_without_the_request_context_or_a_query(django_assert_num_queries):
    request = RequestFactory().get("/projects/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'aria-label="Main"' in html and 'href="/projects/"' in html
    assert "/static/css/app.css" in html  # it still looks like the product
