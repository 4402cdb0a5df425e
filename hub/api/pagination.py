"""Cursor pagination: stable and index-friendly on tables with millions of rows (no COUNT, no OFFSET)."""

from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"
