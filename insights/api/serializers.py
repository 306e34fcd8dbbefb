from rest_framework import serializers


def money(**kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


def rate(**kwargs):
    return serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        allow_null=True,
        help_text="投资完成率:本年累计完成 / 本年计划,4位小数,四舍五入;无计划时为 null",
        **kwargs,
    )


class FiguresSerializer(serializers.Serializer):
    project_count = serializers.IntegerField()
    total_investment = money(help_text="计划总投资(万元)")
    year_plan = money(help_text="本年计划投资(万元):范围内全部项目(各阶段)")
    completed_ytd = money(
        help_text="本年累计完成投资(万元):1月至报告月份计入统计的月报(已审核,按批准的修正数),见统计口径"
    )
    completion_rate = rate()


class GroupSerializer(FiguresSerializer):
    id = serializers.CharField(allow_null=True, help_text="县区/产业/类别的ID,或阶段代码;未分类为 null")
    name = serializers.CharField()


class SummarySerializer(FiguresSerializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    year_elapsed = serializers.DecimalField(
        max_digits=5, decimal_places=4, help_text="时间进度:报告月份月末本年已过比例"
    )
    by_region = GroupSerializer(many=True)
    by_stage = GroupSerializer(many=True)
    by_sector = GroupSerializer(many=True)
    by_category = GroupSerializer(many=True)


class SummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
