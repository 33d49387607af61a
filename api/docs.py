"""Browsable documentation: the OpenAPI schema as a plain page, with no script
and nothing loaded from elsewhere (the CSP allows neither)."""

from functools import cache

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from articles.http import SUBJECT, public

METHODS = ("get", "head", "options")


@cache
def operations():
    from .views import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    rows = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "required": parameter.get("required", False),
                            "type": parameter.get("schema", {}).get("type")
                            or ", ".join(
                                option.get("type", "")
                                for option in parameter.get("schema", {}).get(
                                    "anyOf", []
                                )
                                if option.get("type") != "null"
                            ),
                            "format": parameter.get("schema", {}).get("format", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return schema["info"], rows


@public(*SUBJECT)  # the publication's name, and the code
def docs(request):
    info, rows = operations()
    return render(
        request,
        "api/docs.html",
        {
            "page_title": _("API"),
            "page_description": info.get("description", ""),
            "info": info,
            "operations": rows,
        },
    )
