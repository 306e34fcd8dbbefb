from rest_framework import serializers


def money(**kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


def rate(**kwargs):
    return serializers.DecimalField(
        max_digits=12, decimal_places=4, allow_null=True, help_text="完成投资 / 年度计划;无计划时为 null", **kwargs
    )


class FiguresSerializer(serializers.Serializer):
    project_count = serializers.IntegerField()
    total_investment = money(help_text="计划总投资(万元)")
    year_plan = money(help_text="本年计划投资(万元)")
    completed_ytd = money(help_text="本年累计完成投资(万元,已提交或已审核的月报)")
    completion_rate = rate()


class GroupSerializer(FiguresSerializer):
    id = serializers.CharField(allow_null=True, help_text="县区/产业/类别的ID,或阶段代码;未分类为 null")
    name = serializers.CharField()


class SummarySerializer(FiguresSerializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    year_elapsed = serializers.DecimalField(max_digits=5, decimal_places=4, help_text="时间进度(当年已过比例)")
    by_region = GroupSerializer(many=True)
    by_stage = GroupSerializer(many=True)
    by_sector = GroupSerializer(many=True)
    by_category = GroupSerializer(many=True)


class SummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
