"""Datasets, their import jobs and their snippets (requesters only, own datasets)."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from annotator.api import selectors
from annotator.api import serializers as s
from annotator.api.pagination import Pagination
from annotator.api.permissions import IsRequester
from annotator.api.schema import with_errors
from annotator.catalog import services as catalog
from annotator.core.exceptions import DomainError


class DatasetCollection(generics.GenericAPIView):
    permission_classes = [IsRequester]
    pagination_class = Pagination
    serializer_class = s.DatasetSerializer

    def get_queryset(self):
        return selectors.datasets_for_requester(self.request.user)

    @extend_schema(responses=with_errors({200: s.DatasetSerializer(many=True)}, 403))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.DatasetSerializer(page, many=True).data)

    @extend_schema(
        request=s.DatasetCreateSerializer,
        responses=with_errors({201: s.DatasetSerializer}, 400, 403),
    )
    def post(self, request):
        data = s.DatasetCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            dataset = catalog.dataset_create(owner=request.user, **data.validated_data)
        except DomainError as exc:
            raise ValidationError({"name": [str(exc)]}) from exc
        dataset = self.get_queryset().get(pk=dataset.pk)
        return Response(s.DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=with_errors({200: s.DatasetSerializer}, 403, 404))
@api_view(["GET"])
@permission_classes([IsRequester])
def dataset_detail(request, dataset_id: int):
    dataset = get_object_or_404(selectors.datasets_for_requester(request.user), pk=dataset_id)
    return Response(s.DatasetSerializer(dataset).data)


def _jsonl_upload(files: list[dict]) -> SimpleUploadedFile:
    """Files sent as JSON travel the same road as an uploaded .jsonl: one import job."""
    lines = (json.dumps(f, ensure_ascii=False) + "\n" for f in files)
    return SimpleUploadedFile("files.jsonl", "".join(lines).encode(), "application/x-ndjson")


@extend_schema(
    request={
        "multipart/form-data": s.FileUploadSerializer,
        "application/json": s.FilesJsonSerializer,
    },
    responses=with_errors({202: s.JobAcceptedSerializer}, 400, 403, 404),
    summary="Import code files into the dataset (in the background)",
)
@api_view(["POST"])
@permission_classes([IsRequester])
@parser_classes([MultiPartParser, JSONParser])
def dataset_files(request, dataset_id: int):
    dataset = get_object_or_404(selectors.datasets_for_requester(request.user), pk=dataset_id)
    if request.content_type.startswith("multipart/"):
        data = s.FileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
    else:
        data = s.FilesJsonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = _jsonl_upload(data.validated_data["files"])
    try:
        with transaction.atomic():
            path = catalog.upload_store(upload=upload)
            job = catalog.dataset_import_start(
                owner=request.user, dataset=dataset, upload_path=path
            )
    except DomainError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    location = reverse("api:job-detail", kwargs={"job_id": job.pk})
    return Response(
        {"job": job.pk}, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
    )


class SnippetList(generics.ListAPIView):
    """The dataset's snippets in file order, 50 lines each (fewer at a file's end)."""

    permission_classes = [IsRequester]
    pagination_class = Pagination
    serializer_class = s.SnippetSerializer

    def get_queryset(self):
        datasets = selectors.datasets_for_requester(self.request.user)
        dataset = get_object_or_404(datasets, pk=self.kwargs["dataset_id"])
        return selectors.snippets_of(dataset)

    @extend_schema(responses=with_errors({200: s.SnippetSerializer(many=True)}, 403, 404))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(responses=with_errors({200: s.JobSerializer}, 403, 404))
@api_view(["GET"])
@permission_classes([IsRequester])
def job_detail(request, job_id: int):
    job = get_object_or_404(selectors.jobs_for_user(request.user), pk=job_id)
    return Response(s.JobSerializer(selectors.job_view(job)).data)
