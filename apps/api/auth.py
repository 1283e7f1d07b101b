"""Signing in: session + CSRF, as the frontend does today (API.md, Authentication).

`/api/csrf/` sets the cookie, `/api/auth/login/` checks CSRF although the caller is anonymous and answers
one sentence for a wrong username or password, `/api/auth/logout/` ends the session, `/api/auth/user/` is
the current user. The system account never uses the API, whatever its flags say.
"""

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from apps.core.actors import is_system

from .accounts import CurrentUserSerializer
from .authentication import csrf_check
from .base import ApiView
from .throttles import LoginAddressThrottle, LoginUsernameThrottle

WRONG_CREDENTIALS = "Unable to sign in with that username and password."


class CsrfView(ApiView):
    """Sets the `csrftoken` cookie; the body carries the same token for the `X-CSRFToken` header."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="csrf",
        tags=["auth"],
        summary="Get a CSRF token (and its cookie)",
        responses={200: inline_serializer("CsrfToken", {"csrfToken": serializers.CharField()})},
    )
    def get(self, request):
        return Response({"csrfToken": get_token(request._request)})


class LoginInput(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class LoginView(ApiView):
    """Anonymous, yet CSRF-checked (a login CSRF would sign a victim in as the attacker); throttled."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginAddressThrottle, LoginUsernameThrottle]

    @extend_schema(
        operation_id="login",
        tags=["auth"],
        summary="Sign in",
        description="One message for a wrong username or password, whether or not the user exists. "
        "Send the `X-CSRFToken` header (from `/api/csrf/`). Throttled per client address and per username.",
        request=LoginInput,
        responses={200: CurrentUserSerializer},
    )
    def post(self, request):
        csrf_check(request)
        given = LoginInput(data=request.data)
        given.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=given.validated_data["username"], password=given.validated_data["password"]
        )
        if user is None or is_system(user) or getattr(user, "is_system_account", False):
            raise serializers.ValidationError({"non_field_errors": [WRONG_CREDENTIALS]})
        login(request._request, user)
        request.user = user
        return Response(CurrentUserSerializer(user, context={"request": request}).data)


class LogoutView(ApiView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="logout",
        tags=["auth"],
        summary="Sign out",
        request=None,
        responses={204: OpenApiResponse(description="The session has ended.")},
    )
    def post(self, request):
        csrf_check(request)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CurrentUserView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="current_user",
        tags=["auth"],
        summary="The signed-in person",
        description="The same body as a profile, plus `roles` (role names) and `permissions` "
        "(`app_label.codename` strings the frontend may check).",
        responses={200: CurrentUserSerializer},
    )
    def get(self, request):
        return Response(CurrentUserSerializer(request.user, context={"request": request}).data)
