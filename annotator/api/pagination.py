from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=N&page_size=M` (M at most 1000); the body is {count, next, previous, results}."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
