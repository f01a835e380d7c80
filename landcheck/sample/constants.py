"""Every constant of the sample-township generator: CRS, place, codes, block and patch kinds, sizes,
name pools, violation rates, the operator mix, the coordinate grid.

Plain values only: no functions, no imports from the rest of the package."""

from __future__ import annotations

#: CRS of every layer: CGCS2000 3° Gauss–Krüger zone 39 with zone-prefixed eastings.
EPSG = 4527
#: Centre of the township (lon, lat, CGCS2000): 商河县, 济南市, 山东省.
CENTRE_LONLAT = (117.1, 37.3)
COUNTY_CODE = "371426"
COUNTY_NAME = "商河县"
#: The township code (3 digits after the county) when a single township is generated.
SINGLE_TOWN_CODE = 104
#: Township area per requested patch, m² (calibrated so that the patch count comes out near n_patches).
AREA_PER_PATCH_M2 = 3600.0
#: Data year of the survey (SJNF).
SURVEY_YEAR = 2025

# Block kinds (Voronoi cells of the block seeds) and patch kinds.
FIELD, FRINGE, VILLAGE, SEAT = 0, 1, 2, 3
STRIP, HIGHWAY, RIVER = 4, 5, 6

# Block grid of the open fields: spacing along the grid axes (m) and jitter (share of the spacing).
BLOCK_W, BLOCK_H, BLOCK_JITTER = 560.0, 400.0, 0.16
# Settlement blocks (street blocks): spacing, m.
VILLAGE_BLOCK_M, SEAT_BLOCK_M = 105.0, 135.0
#: Fringe ring of a settlement (small fields, ponds, tree belts, sheds) as a multiple of its radius.
FRINGE_FACTOR = 1.75

#: 田坎系数 table of the county, keyed by (GDPDJB, GDLX) (domain.md §2.2: set per county).
KCXS_TABLE = {("1", ""): 0.0, ("2", "PD"): 0.053, ("2", "TT"): 0.071, ("3", "PD"): 0.094, ("3", "TT"): 0.118}

ZZSX_NAMES = {"LS": "种植粮食作物", "FLS": "种植非粮作物", "LYFL": "粮与非粮轮作", "XG": "休耕", "LLJZ": "林粮间作",
              "WG": "未耕种", "JKHF": "即可恢复", "GCHF": "工程恢复"}

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
VILLAGE_SUFFIXES = ["家庄", "官屯", "坊", "家集", "庄", "家屯", "家寨", "家洼", "桥", "家楼", "店", "家庙", "营",
                    "家口", "家铺", "官庄", "集", "家湾", "堂", "楼", "家圈", "家码头"]
GIVEN_CHARS = list("建国华明军伟强磊洪涛立新国庆春生秀英桂兰玉芳志刚德胜福海长青永红金山凤霞学文俊杰振东广平")
SEAT_UNIT_NAMES = ["镇中社区", "兴隆社区", "振华社区", "新华社区", "文昌社区", "富民社区", "和平社区", "建设社区",
                   "幸福社区", "东升社区", "光明社区", "永安社区", "民主社区", "团结社区", "胜利社区"]
COOP_WORDS = ["丰源", "金穗", "沃土", "惠农", "鑫禾", "润丰", "嘉禾", "众赢", "恒丰", "兴农", "德润", "瑞丰", "益民",
              "农丰", "宏达", "绿源", "禾丰", "稼穑", "齐鲁", "黄河"]
COOP_KINDS = ["种植专业合作社", "粮食种植专业合作社", "农机专业合作社", "土地股份合作社"]
FACILITY_KINDS = [("蔬菜大棚", "种植设施"), ("食用菌种植棚", "种植设施"), ("生猪养殖场", "畜禽养殖设施"),
                  ("肉鸡养殖场", "畜禽养殖设施"), ("粮食晾晒场", "晾晒场"), ("农机具存放场", "农机具存放"),
                  ("水产养殖设施", "水产养殖设施")]
#: The sample's own reading of a record's 设施类型 (domain.md §3.5, §9.2): a 1202 inside a record of a planting
#: type stays farm infrastructure (the records carry no plough-layer field); inside a 养殖 record it is a finding.
FACILITY_TYPE_KIND = {"种植设施": "planting", "晾晒场": "planting", "农机具存放": "planting", "看护房": "planting",
                      "大棚": "planting", "温室": "planting", "畜禽养殖设施": "livestock", "水产养殖设施": "aquaculture"}

# Per village (and seat unit) expected numbers of violations planted inside the farmland; the
# second number is the least planted in a whole township (so a small test township has every kind).
VIOLATIONS = {
    "orchard": (1.0, 2), "nursery": (0.7, 2), "fishpond": (0.6, 2), "home": (0.7, 2), "factory": (0.25, 1),
    "facility": (1.0, 3), "bare": (0.25, 1), "FLS": (2.2, 3), "WG": (0.5, 1), "LYFL": (0.3, 1), "LLJZ": (0.2, 0),
    "XG": (0.4, 0), "pond": (0.5, 3),
}

#: 城镇村属性码 of settlement extents (domain.md §2.2, §9.1): a finding there is 存量 when the farmland polygon
#: carries no class of its own; the 二调 classes 201–205 (城市 … 风景名胜及特殊用地) likewise.
SETTLEMENT_CODES = ("201", "201A", "202", "202A", "203", "203A", "204", "205")

#: The names-only variant (二调 names, `names`): the 二调 code of each 三调 code of the sample (erdiao_names.csv
#: gives its name); other construction land (1201 空闲地 and 1004 streets too) becomes 建制镇 202 in the seat
#: (CZCSXM 202) and 村庄 203 elsewhere, as 二调 drew settlements as one class.
ERDIAO_OF = {"0101": "011", "0102": "012", "0103": "013", "0201": "021", "0301": "031", "0307": "033", "0404": "043",
             "1003": "102", "1006": "104", "1101": "111", "1104": "114", "1104A": "114", "1107": "117",
             "1202": "122", "1206": "127", "09": "205"}
#: Columns of the 三调 survey a 二调-era layer does not have (besides DLBM).
SANDIAO_ONLY = ("CZCSXM", "ZZSXDM", "ZZSXMC", "TBXHDM", "TBXHMC", "GDLX")
#: Farmland polygons of the names-only variant drawn over settlement land, per village (at least 3), and the
#: share of the other polygons that carry no class (DLBM blank).
ON_CONSTRUCTION_PER_VILLAGE, NO_CLASS_SHARE = 0.6, 0.06

#: The operators of one town, in order: (kind of entity, size class). Sizes: big 350–700 mu, medium
#: 120–300 mu, small 35–95 mu, scaled so the town's total is 3–3.8 % of its area.
OPERATOR_MIX = [("coop", "big"), ("coop", "big"), ("farm", "small"), ("coop", "medium"), ("company", "big"),
                ("farm", "small"), ("coop", "medium"), ("farm", "medium"), ("coop", "small"), ("company", "medium"),
                ("coop", "big"), ("farm", "small"), ("coop", "medium"), ("farm", "small"), ("coop", "medium")]

#: Coordinate grid of the delivered geometry (m): 0.1 mm, finer than any survey needs.
GRID_M = 1e-4
