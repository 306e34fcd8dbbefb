from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from .serializers import SummaryQuerySerializer, SummarySerializer


class SummaryView(APIView):
    """Headline figures and breakdowns for the caller's scope (the dashboard uses the same selector)."""

    @extend_schema(tags=["stats"], summary="统计汇总", parameters=[SummaryQuerySerializer], responses=SummarySerializer)
    def get(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = selectors.summary_cached(user=request.user, year=query.validated_data.get("year"))
        return Response(SummarySerializer(data).data)
