from rest_framework.permissions import BasePermission


class IsRequester(BasePermission):
    """Requesters and admins (and superusers); annotators get 403 with this message."""

    message = "This endpoint is for requesters."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_requester)
