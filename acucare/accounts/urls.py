from django.urls import path

from acucare.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.login_view, name="login"),
    path("sign-in/code/", views.two_factor_verify, name="two_factor_verify"),
    path("sign-out/", views.logout_view, name="logout"),
    path("account/password/", views.password_change, name="password"),
    path("account/two-factor/", views.two_factor_enrol, name="two_factor_enrol"),
    path("account/credentials/", views.profile, name="profile"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("admin/users/", views.users, name="users"),
    path("admin/users/new/", views.user_create, name="user_create"),
    path("admin/users/<uuid:public_id>/", views.user_detail, name="user_detail"),
    path("admin/clinic/", views.clinic_settings, name="clinic"),
    path("admin/credentials/", views.credentials, name="credentials"),
]
