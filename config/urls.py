from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView

from rooms import api as rooms_api
from tagging import api as tagging_api
from tagging import probes
from tagging import views as tagging_views

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

admin.site.site_header = "Quản trị Phòng Trọ AI"
admin.site.site_title = "Quản trị Phòng Trọ AI"
admin.site.index_title = "Trang quản trị"
admin.site.index_template = "admin/phongtro_index.html"   # the review queue's count first
admin.site.enable_nav_sidebar = False     # the review queue needs the width of a 1366 px screen

urlpatterns = [
    path("", include("rooms.urls")),
    path("thu-gan-the/", tagging_views.try_tagger, name="try_tagger"),
    path("dac-diem/", tagging_views.vocabulary, name="vocabulary"),
    path("health", probes.health, name="health"),
    path("ready", probes.ready, name="ready"),
    path("metrics", probes.metrics, name="metrics"),
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail (Django's own views; templates in templates/registration/)
    path("quen-mat-khau/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("quen-mat-khau/da-gui/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("dat-lai-mat-khau/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("dat-lai-mat-khau/xong/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("api/extract-features", tagging_api.extract_features, name="api_extract_features"),
    path("api/rooms/", rooms_api.RoomList.as_view(), name="api_rooms"),
    path("api/places/", rooms_api.places, name="api_places"),
    path("api/rooms/<int:pk>/", rooms_api.RoomDetail.as_view(), name="api_room"),
    path("api/jobs/<int:pk>/", tagging_api.JobDetail.as_view(), name="api_job"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("admin/", admin.site.urls),
]

def serve_media(request, path):
    """The embedded default serves uploads itself (production: the web server or the object store).
    Uploads get random names and are never rewritten: browsers may keep them a year."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if response.status_code == 200:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


if settings.SERVE_MEDIA:
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media)]
