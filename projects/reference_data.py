"""Default reference data (domain.md sections 2-3). Loaded idempotently; administrators edit it afterwards."""

from decimal import Decimal

REGIONS = [
    # key, name, division code, kind
    ("tiedong", "铁东区", "210302", "district"),
    ("tiexi", "铁西区", "210303", "district"),
    ("lishan", "立山区", "210304", "district"),
    ("qianshan", "千山区", "210311", "district"),
    ("haicheng", "海城市", "210381", "county_city"),
    ("taian", "台安县", "210321", "county"),
    ("xiuyan", "岫岩满族自治县", "210323", "county"),
    ("gaoxin", "高新区", None, "zone"),
    ("jingkai", "经济开发区", None, "zone"),
    ("fengjingqu", "千山风景区", None, "zone"),
]

SECTORS = [
    # The article names four of the twelve chains; the other eight are plausible additions.
    ("钢铁及深加工", "chain"),
    ("菱镁", "chain"),
    ("专用车及汽车零部件", "chain"),
    ("纺织服装", "chain"),
    ("高端装备制造", "chain"),
    ("精细化工", "chain"),
    ("新材料", "chain"),
    ("新能源", "chain"),
    ("生物医药", "chain"),
    ("电子信息", "chain"),
    ("农产品深加工", "chain"),
    ("冶金矿山", "chain"),
    ("现代农业", "cluster"),
    ("商贸服务", "cluster"),
    ("文旅康养", "cluster"),
    ("数字经济", "cluster"),
    ("金属包装", "featured"),
    ("钢丝绳", "featured"),
    ("柔性显示", "featured"),
    ("激光装备", "featured"),
    ("泵业", "featured"),
    ("岫玉", "featured"),
    ("南果梨", "featured"),
    ("耐火材料", "featured"),
]

# Where a featured industry (and some chains) belongs: name -> (chain, cluster). The article names
# the kinds but not these links: they are plausible defaults (金属包装 and 钢丝绳 are steel deep
# processing, 柔性显示 electronics, 南果梨 modern agriculture), editable in the admin.
SECTOR_LINKS = {
    "金属包装": ("钢铁及深加工", None),
    "钢丝绳": ("钢铁及深加工", None),
    "柔性显示": ("电子信息", "数字经济"),
    "激光装备": ("高端装备制造", None),
    "泵业": ("高端装备制造", None),
    "岫玉": (None, "文旅康养"),
    "南果梨": ("农产品深加工", "现代农业"),
    "耐火材料": ("菱镁", None),
    "农产品深加工": (None, "现代农业"),
    "电子信息": (None, "数字经济"),
}

DEPARTMENTS = [
    ("fgw", "市发展改革委"),
    ("zjj", "市住房城乡建设局"),
    ("gxj", "市工业和信息化局"),
    ("swj", "市商务局"),
    ("zrzyj", "市自然资源局"),
    ("sthjj", "市生态环境局"),
    ("jtj", "市交通运输局"),
    ("nyj", "市农业农村局"),
    ("wlj", "市文化旅游和广播电视局"),
    ("kjj", "市科学技术局"),
    ("slj", "市水利局"),
    ("sjj", "市营商环境建设局"),
]

CATEGORIES = [
    # key, name, lead department (the "3" special groups)
    ("social", "社会投资类", "fgw"),
    ("urban", "城建类", "zjj"),
    ("industrial", "工业“四改”类", "gxj"),
    ("other", "其他类", None),
]

# English names of the default rows (shown when the page language is English; editable in the admin).
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

THRESHOLDS = [("city", Decimal("5000")), ("county", Decimal("500"))]

# 分级分类包保: the default assignment rules (projects.AssignmentRule), loaded while none exist.
# (name, field, minimum total investment in 万元 or None, key level or "", max projects a person, active)
ASSIGNMENT_RULES = [
    ("市级领导包保10亿元以上项目", "city_leader", "100000.00", "", 12, True),
    ("市级领导包保市项目工作领导小组调度的项目", "city_leader", None, "city", 60, False),
    ("县区领导包保本县区重点项目", "county_leader", None, "county", 80, True),
    ("项目管家服务每个重点项目", "steward", None, "county", 80, True),
]
