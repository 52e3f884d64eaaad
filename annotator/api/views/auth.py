from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from annotator.api import serializers as s
from annotator.api import services
from annotator.api.schema import with_errors
from annotator.api.throttles import PasswordThrottle, UserThrottle


@extend_schema(
    methods=["POST"],
    request=s.TokenRequestSerializer,
    responses=with_errors({200: s.TokenSerializer}, 400, 429),
    summary="Get an API token for a username and password",
    auth=[],
)
@extend_schema(
    methods=["DELETE"],
    request=None,
    responses=with_errors({204: None}),
    summary="Revoke the caller's token",
)
@api_view(["POST", "DELETE"])
@permission_classes([AllowAny])
@throttle_classes([PasswordThrottle, UserThrottle])
def token(request):
    if request.method == "DELETE":
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        services.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    data = s.TokenRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    user = authenticate(request._request, **data.validated_data)
    if user is None:  # also for inactive users: they must not learn the password was right
        raise ValidationError({"non_field_errors": ["Wrong username or password."]})
    key = services.token_issue(user=user).key
    body = {"token": key, "user_id": user.pk, "username": user.username, "role": user.role}
    return Response(s.TokenSerializer(body).data)
