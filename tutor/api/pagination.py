"""Pagination of the API's lists: limit and offset, the limit bounded."""

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """A `limit` above `max_limit` serves `max_limit` rows: unbounded, a huge limit reached the
    database as an out-of-range integer (a 500) and a large one could read a whole history at once."""

    max_limit = 1000
