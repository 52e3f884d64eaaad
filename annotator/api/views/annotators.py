"""Crowd members, as requesters manage them: enrol, look up, set skills by hand."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotator.api import selectors, services
from annotator.api import serializers as s
from annotator.api.permissions import IsRequester
from annotator.api.schema import with_errors
from annotator.core.exceptions import DomainError
from annotator.quality.services import skill_set


@extend_schema(
    request=s.AnnotatorCreateSerializer,
    responses=with_errors({201: s.AnnotatorSerializer}, 400, 403),
    summary="Enrol a crowd member (role annotator)",
)
@api_view(["POST"])
@permission_classes([IsRequester])
def annotator_create(request):
    data = s.AnnotatorCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        user = services.annotator_enroll(**data.validated_data, enrolled_by=request.user)
    except DjangoValidationError as exc:  # the password validators
        raise ValidationError({"password": exc.messages}) from exc
    except DomainError as exc:
        raise ValidationError({"username": [str(exc)]}) from exc
    body = s.AnnotatorSerializer(selectors.annotator_profile(user)).data
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(responses=with_errors({200: s.AnnotatorSerializer}, 403, 404))
@api_view(["GET"])
@permission_classes([IsRequester])
def annotator_detail(request, annotator_id: int):
    annotators = selectors.annotators_for_requester(request.user)
    user = get_object_or_404(annotators, pk=annotator_id)
    return Response(s.AnnotatorSerializer(selectors.annotator_profile(user)).data)


@extend_schema(
    request=s.SkillsPatchSerializer,
    responses=with_errors({200: s.AnnotatorSerializer}, 400, 403, 404),
    summary="Set skills by hand (0-100), with a reason that is logged",
)
@api_view(["PATCH"])
@permission_classes([IsRequester])
def annotator_skills(request, annotator_id: int):
    annotators = selectors.annotators_for_requester(request.user)
    user = get_object_or_404(annotators, pk=annotator_id)
    data = s.SkillsPatchSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    reason = data.validated_data["reason"]
    try:
        with transaction.atomic():
            for category, value in sorted(data.validated_data["skills"].items()):
                skill_set(
                    annotator=user, category=category, value=value, reason=reason,
                    actor=request.user,
                )  # fmt: skip
    except DomainError as exc:
        raise ValidationError({"skills": [str(exc)]}) from exc
    return Response(s.AnnotatorSerializer(selectors.annotator_profile(user)).data)
