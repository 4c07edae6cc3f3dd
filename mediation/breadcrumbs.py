"""The data of django-dsfr's breadcrumb ({% dsfr_breadcrumb breadcrumb_data %}), built one way."""

from django.urls import reverse


def breadcrumb(current, *links):
    """`links` are (title, url) pairs between the home page and the current page. The home link
    is always given (root_dir): the tag's template writes `self.root_dir|default:"/"`, and a
    filter is not applied to an undefined variable when the engine sets string_if_invalid, as the
    tests do, so without it the link would lead nowhere there."""
    return {
        "links": [{"title": title, "url": url} for title, url in links],
        "current": current,
        "root_dir": reverse("home"),
    }
