from django.urls import path

from laydown.accounts import programme_views, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<slug:public_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("organisations/", views.organisations, name="organisations"),
    path("programme/", programme_views.programme_profile, name="programme"),
    path("programme/logo/<slug:sha>", programme_views.programme_logo, name="programme_logo"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/active/", views.user_active, name="user_active"),
    path("users/<int:user_id>/grants/", views.user_grant, name="user_grant"),
    path("users/<int:user_id>/grants/revoke/", views.user_revoke, name="user_revoke"),
    path(
        "users/<int:user_id>/second-factor/reset/",
        views.user_second_factor_reset,
        name="user_second_factor_reset",
    ),
]
