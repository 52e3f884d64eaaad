from django.urls import path

from annotator.quality import views

app_name = "quality"

urlpatterns = [
    path("payouts.csv", views.payouts_csv, name="payouts-csv"),
    path("payouts/pay", views.payouts_pay, name="payouts-pay"),
]
