"""Token login for API clients and dashboard tokens issued by civil-affairs staff."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sanlian.api.domain import (
    dashboard_clients_visible_to,
    dashboard_token_issue,
    dashboard_token_revoke,
)
from sanlian.api.inputs import StrictTextField
from sanlian.api.permissions import IsCivilAffairs
from sanlian.api.throttling import LoginRateThrottle
from sanlian.api.tokens import token_find, token_for_login, token_revoke, token_summary, tokens_of
from sanlian.lockout import login_failed, login_is_locked, login_succeeded

TokenOut = inline_serializer("Token", {"token": serializers.CharField()})


# DRF's, with its username and password strings as the schema says (not numbers).
class TokenRequestSerializer(AuthTokenSerializer):
    username = StrictTextField(label=_("用户名"), write_only=True)
    password = StrictTextField(
        label=_("密码"), style={"input_type": "password"}, trim_whitespace=False, write_only=True
    )

    class Meta:
        ref_name = "AuthToken"


class TokenView(APIView):
    """Exchange a username and password for an API token (send it as `Authorization: Token <key>`).

    Under the lockout of the login page (sanlian/lockout.py): by username and by address.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    def get_authenticate_header(self, request) -> str:
        return "Token"  # the scheme the token is then sent with; makes the refusal a 401

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenOut},
        examples=[
            OpenApiExample(
                "Login", value={"username": "street01", "password": "..."}, request_only=True
            ),
            OpenApiExample(
                "Token",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                response_only=True,
            ),
        ],
        auth=[],
    )
    def post(self, request):
        username = str(request.data.get("username", ""))
        if login_is_locked(username=username, request=request):
            raise Throttled(detail=_("登录失败次数过多，该账户已暂时锁定，请稍后再试。"))
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            login_failed(username=username, request=request)
            if _only_credentials_refused(serializer.errors):
                # A well-formed request whose username and password do not match: the
                # credentials are bad (401), the request is not (400 stays for its shape).
                raise AuthenticationFailed(serializer.errors["non_field_errors"][0])
            serializer.is_valid(raise_exception=True)
        login_succeeded(username=username, request=request)
        user = serializer.validated_data["user"]
        if user.must_change_password:
            raise PermissionDenied(_("请先在网页上登录并修改临时密码，再获取令牌。"))
        token = token_for_login(user=user)
        return Response({"token": token.key})


def _only_credentials_refused(errors: dict) -> bool:
    codes = [getattr(error, "code", None) for error in errors.get("non_field_errors", [])]
    return set(errors) == {"non_field_errors"} and codes == ["authorization"]


class DashboardClientSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = StrictTextField(source="display_name", max_length=50)
    active = serializers.BooleanField(source="is_active", read_only=True)
    issued_at = serializers.DateTimeField(source="date_joined", read_only=True)


class IssuedTokenSerializer(DashboardClientSerializer):
    token = serializers.CharField(read_only=True, help_text="只在签发时显示一次。")


class DashboardTokenViewSet(
    mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Read-only tokens for city dashboard programs: they see /api/v1/stats/ and nothing else.

    Civil-affairs staff only. POST issues a token (shown once); DELETE revokes it.
    """

    serializer_class = DashboardClientSerializer
    permission_classes = [IsCivilAffairs]
    search_fields = ["display_name"]
    ordering_fields = ["date_joined"]

    def get_queryset(self):
        return dashboard_clients_visible_to(self.request.user)

    @extend_schema(
        request=DashboardClientSerializer,
        responses={201: IssuedTokenSerializer},
        examples=[
            OpenApiExample("Issue", value={"name": "市民政局大屏"}, request_only=True),
        ],
    )
    def create(self, request):
        serializer = DashboardClientSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = dashboard_token_issue(
            name=serializer.validated_data["display_name"], issued_by=request.user
        )
        client = token.user
        client.token = token.key
        return Response(IssuedTokenSerializer(client).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        dashboard_token_revoke(client=instance, revoked_by=self.request.user)


class OwnTokenSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The token's fingerprint; the key is never shown again.")
    created = serializers.DateTimeField()
    last_used = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField()
    idle_expires_at = serializers.DateTimeField()
    expired = serializers.BooleanField()


class OwnTokenViewSet(viewsets.ViewSet):
    """The caller's own API tokens: when issued, last used and when they expire; DELETE revokes.

    Another user's token is not found here (404), whoever asks.
    """

    permission_classes = [IsAuthenticated]
    lookup_value_regex = "[0-9a-f]{16}"

    @extend_schema(responses={200: OwnTokenSerializer(many=True)})
    def list(self, request):
        now = timezone.now()
        summaries = [token_summary(t, now=now) for t in tokens_of(request.user)]
        return Response(OwnTokenSerializer(summaries, many=True).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        token = token_find(tokens_of(request.user), str(pk))
        if token is None:
            raise NotFound()
        token_revoke(token=token, revoked_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
