from django.urls import path

from . import tag_views, views

urlpatterns = [
    path("", views.search, name="search"),
    path("tim/dem", views.search_count, name="search_count"),
    path("phong/<int:pk>/", views.room_detail, name="room_detail"),
    path("phong/dang-tin/", views.room_create, name="room_create"),
    path("phong/anh-tam/", views.photo_draft, name="photo_draft"),
    path("phong/<int:pk>/sua/", views.room_edit, name="room_edit"),
    path("phong/<int:pk>/xoa/", views.room_delete, name="room_delete"),
    path("phong/<int:pk>/dac-diem/", tag_views.room_tags, name="room_tags"),
    path("phong/<int:pk>/dac-diem/trang-thai", tag_views.room_tag_status, name="room_tag_status"),
    path("phong-cua-toi/", views.my_rooms, name="my_rooms"),
    path("dang-ky/", views.signup, name="signup"),
]
