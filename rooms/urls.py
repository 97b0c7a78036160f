from django.urls import path

from . import views

urlpatterns = [
    path("", views.search, name="search"),
    path("phong/<int:pk>/", views.room_detail, name="room_detail"),
    path("phong/dang-tin/", views.room_create, name="room_create"),
    path("phong/<int:pk>/sua/", views.room_edit, name="room_edit"),
    path("phong/<int:pk>/xoa/", views.room_delete, name="room_delete"),
    path("phong-cua-toi/", views.my_rooms, name="my_rooms"),
    path("dang-ky/", views.signup, name="signup"),
]
