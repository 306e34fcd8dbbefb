"""An English name for each reference row (县区, 产业, 市直部门, 项目类别), the current rows filled in."""

from django.db import migrations, models

# Frozen here (projects/reference_data.py NAMES_EN may change later): the names of the rows as they are.
NAMES_EN = {
    "铁东区": "Tiedong District",
    "铁西区": "Tiexi District",
    "立山区": "Lishan District",
    "千山区": "Qianshan District",
    "海城市": "Haicheng City",
    "台安县": "Tai'an County",
    "岫岩满族自治县": "Xiuyan Manchu Autonomous County",
    "高新区": "Hi-tech Zone",
    "经济开发区": "Economic Development Zone",
    "千山风景区": "Qianshan Scenic Area",
    "钢铁及深加工": "Steel and deep processing",
    "菱镁": "Magnesite",
    "专用车及汽车零部件": "Special vehicles and auto parts",
    "纺织服装": "Textiles and clothing",
    "高端装备制造": "High-end equipment",
    "精细化工": "Fine chemicals",
    "新材料": "New materials",
    "新能源": "New energy",
    "生物医药": "Biomedicine",
    "电子信息": "Electronics and IT",
    "农产品深加工": "Agricultural processing",
    "冶金矿山": "Metallurgy and mining",
    "现代农业": "Modern agriculture",
    "商贸服务": "Trade services",
    "文旅康养": "Culture, tourism and health",
    "数字经济": "Digital economy",
    "金属包装": "Metal packaging",
    "钢丝绳": "Wire rope",
    "柔性显示": "Flexible displays",
    "激光装备": "Laser equipment",
    "泵业": "Pumps",
    "岫玉": "Xiuyan jade",
    "南果梨": "Nanguo pears",
    "耐火材料": "Refractories",
    "市发展改革委": "Development and Reform Commission",
    "市住房城乡建设局": "Housing and Urban-Rural Development Bureau",
    "市工业和信息化局": "Industry and Information Technology Bureau",
    "市商务局": "Commerce Bureau",
    "市自然资源局": "Natural Resources Bureau",
    "市生态环境局": "Ecology and Environment Bureau",
    "市交通运输局": "Transport Bureau",
    "市农业农村局": "Agriculture and Rural Affairs Bureau",
    "市文化旅游和广播电视局": "Culture, Tourism, Radio and TV Bureau",
    "市科学技术局": "Science and Technology Bureau",
    "市水利局": "Water Resources Bureau",
    "市营商环境建设局": "Business Environment Bureau",
    "社会投资类": "Social investment",
    "城建类": "Urban construction",
    "工业“四改”类": "Industrial upgrading",
    "其他类": "Other",
}
MODELS = ("Region", "Sector", "Department", "Category")


def fill(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("projects", name)
        for row in model.objects.filter(name_en="", name__in=list(NAMES_EN)):
            row.name_en = NAMES_EN[row.name]
            row.save(update_fields=["name_en"])


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_todo_indexes")]

    operations = [
        *[
            migrations.AddField(
                model_name=name.lower(),
                name="name_en",
                field=models.CharField("英文名称", max_length=100, blank=True, help_text="界面语言为英文时显示"),
            )
            for name in MODELS
        ],
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
