"""Fixed tables behind `manage.py seed_demo`: places, names and the source article's services.

Street-office names are Taiyuan's real ones; community, organization and
person names are made up from common parts.
"""

# (code, name, centre latitude, centre longitude, street offices)
DISTRICTS = (
    (
        "140105",
        "小店区",
        37.80,
        112.57,
        ("坞城街道", "营盘街道", "北营街道", "平阳路街道", "黄陵街道", "亲贤街道", "小店街道"),
    ),
    (
        "140106",
        "迎泽区",
        37.86,
        112.58,
        ("桥东街道", "迎泽街道", "老军营街道", "庙前街道", "柳巷街道", "文庙街道"),
    ),
    (
        "140107",
        "杏花岭区",
        37.89,
        112.57,
        ("巨轮街道", "三桥街道", "鼓楼街道", "杏花岭街道", "坝陵桥街道", "大东关街道"),
    ),
    (
        "140108",
        "尖草坪区",
        37.92,
        112.50,
        ("尖草坪街道", "光社街道", "上兰街道", "南寨街道", "迎新街街道", "汇丰街道"),
    ),
    (
        "140109",
        "万柏林区",
        37.86,
        112.50,
        ("千峰街道", "下元街道", "和平街道", "兴华街道", "万柏林街道", "杜儿坪街道"),
    ),
    ("140110", "晋源区", 37.78, 112.48, ("义井街道", "罗城街道", "晋源街道", "金胜镇")),
)

FLAGSHIP_COMMUNITY = "桃南二社区"
FLAGSHIP_DISTRICT = "迎泽区"
FLAGSHIP_STREET = "迎泽街道"

COMMUNITY_STEMS = (
    "桃南", "桃北", "双塔", "朝阳", "建设", "五一", "新建", "滨河", "南华", "锦绣",
    "星河", "和平", "康宁", "长风", "迎春", "龙潭", "水西", "学府", "青年", "平阳",
    "晋阳", "梅园", "杏花", "千峰", "西铭", "义井", "罗城", "府东", "并州", "文源",
    "铜锣湾", "长治路", "体育路", "亲贤北", "坞城南", "营盘西", "黄陵东", "柳溪", "旱西",
    "东岗", "郝庄", "双西", "光华", "胜利", "解放", "新民", "涧河", "城坊", "新村",
)  # fmt: skip
COMMUNITY_SUFFIXES = ("", "一", "二", "三", "东", "西", "南", "北", "新")

ROADS = (
    "迎泽大街", "并州路", "五一路", "解放路", "建设路", "长治路", "体育路", "平阳路",
    "坞城路", "学府街", "亲贤街", "府西街", "桃园南路", "双塔西街", "南内环街", "千峰南路",
    "晋祠路", "新建路", "胜利街", "和平北路", "滨河东路", "漪汾街", "兴华街", "大东关街",
)  # fmt: skip

SURNAMES = (
    "王", "李", "张", "刘", "赵", "郭", "杨", "武", "郝", "贾", "陈", "韩", "梁", "吴",
    "高", "孙", "马", "任", "薛", "田", "段", "冯", "史", "周", "胡", "程", "乔", "侯",
    "白", "范", "宋", "常", "秦", "曹", "卫", "阎", "申", "牛", "许", "霍",
)  # fmt: skip
# The first surnames are far more common, as in any Chinese city.
SURNAME_WEIGHTS = tuple(max(1, 30 - 2 * index) for index in range(len(SURNAMES)))

ELDER_MALE_GIVEN = (
    "建国", "国庆", "建华", "志强", "德明", "福生", "保国", "文斌", "玉山", "根宝",
    "树林", "永福", "长林", "有才", "金山", "宝成", "振华", "卫东", "跃进", "德福",
    "喜明", "满仓", "润生", "秉义", "存善", "恒山", "世杰", "天佑", "广才", "立新",
)  # fmt: skip
ELDER_FEMALE_GIVEN = (
    "秀英", "桂英", "玉兰", "淑珍", "秀兰", "桂兰", "凤英", "玉珍", "翠花", "美兰",
    "素芳", "桂芳", "丽华", "金花", "月娥", "爱莲", "巧云", "淑芬", "秀珍", "冬梅",
    "润莲", "改英", "俊梅", "彩霞", "兰英", "粉莲", "银花", "晋芳", "慧琴", "玉梅",
)  # fmt: skip
YOUNG_GIVEN = (
    "晓玲", "丽娜", "静", "磊", "鹏", "婷婷", "浩", "伟", "敏", "军", "娟", "晨", "宇",
    "欣", "佳", "慧", "强", "涛", "霞", "瑞", "亚楠", "晓东", "海燕", "文静", "志刚",
    "红梅", "建军", "丽君", "晓峰", "雪", "洁", "昊", "琳", "鑫", "帅", "莉", "波", "凯",
)  # fmt: skip

# Three-digit operator prefixes common in Shanxi.
MOBILE_PREFIXES = ("139", "138", "137", "135", "134", "159", "158", "152", "150", "186", "185")

ORG_ADJECTIVES = (
    "康乐", "夕阳红", "爱心", "和谐", "幸福", "金秋", "晚晴", "福寿", "安康", "惠民",
    "温馨", "同心", "阳光", "春晖", "乐龄", "明德", "善行", "邻里", "暖心", "颐和",
    "松鹤", "怡年", "常青", "晋善", "汾水", "龙城", "并州", "益家", "仁和", "德馨",
)  # fmt: skip
# category -> (name endings, registration kind digit of the credit code)
ORG_CORES = {
    "public_welfare": (
        ("居家养老服务中心", "社会工作服务中心", "助老服务社", "养老服务站", "为老服务中心"),
        "2",
    ),
    "social_affairs": (
        ("社区事务服务社", "便民服务中心", "综合服务社", "就业服务站", "家庭服务中心"),
        "2",
    ),
    "culture_sports": (
        ("书画协会", "太极拳协会", "合唱团", "棋艺社", "舞蹈队", "健身协会", "戏曲票友会"),
        "1",
    ),
    "charity_relief": (("慈善工作站", "爱心救助站", "互助会", "助困服务社", "慈善超市"), "1"),
    "community_rights": (
        ("老年维权服务站", "法律援助工作站", "调解委员会", "居民议事会", "消费维权服务站"),
        "1",
    ),
}

# The organizations named in the source article: (name, category, legal representative).
ARTICLE_ORGANIZATIONS = (
    ("优社优家", "public_welfare", "赵丽君"),
    ("胡晓玲棋艺中心", "culture_sports", "胡晓玲"),
    ("爱惠旗舰店", "social_affairs", "孙海燕"),
)

REJECTION_REASONS = (
    "登记证书已过期，请上传有效证书后重新提交。",
    "统一社会信用代码与登记证书不一致。",
    "服务范围与社区养老服务无关。",
    "法定代表人身份证明材料不清晰，请补充。",
)
SUSPENSION_REASON = "年检未通过，暂停服务，整改后恢复。"

# (code, name)
SKILLS = (
    ("culture", "文化"),
    ("art", "艺术"),
    ("dance", "舞蹈"),
    ("fire-safety", "消防"),
    ("safety", "安全"),
    ("medical", "医疗保健"),
    ("legal", "法律"),
    ("tutoring", "课业辅导"),
    ("haircut", "理发"),
    ("chess", "棋艺"),
    ("companionship", "陪伴聊天"),
    ("cleaning", "家政保洁"),
    ("bathing", "助浴"),
    ("psychology", "心理疏导"),
    ("cooking", "烹饪"),
    ("calligraphy", "书法"),
)

# (code, name, care mode, default minutes, description) — the services the source article lists.
SERVICE_TYPES = (
    ("haircut", "理发", "home", 30, "上门为老人理发、修面"),
    ("blood-pressure", "测血压", "home", 20, "上门测量血压并记录"),
    ("nail-trim", "修剪指甲", "home", 30, "为行动不便的老人修剪手脚指甲"),
    ("companionship", "陪伴聊天", "home", 60, "上门陪伴聊天、读报"),
    ("cleaning", "助洁", "home", 90, "打扫卫生、整理房间"),
    ("bathing", "助浴", "home", 60, "协助洗浴，注意防滑"),
    ("day-care", "日间照料", "day_care", 480, "白天在社区日间照料中心托养"),
    ("interest-class", "兴趣班", "day_care", 90, "书法、唱歌、手工等兴趣班"),
    ("chess", "棋艺辅导", "day_care", 90, "象棋、围棋辅导与对弈"),
    ("allowance", "养老服务补贴", "monetary", 30, "协助申领养老服务补贴、服务券"),
    ("grain-oil", "平价粮油", "monetary", 30, "平价粮油供应与送货"),
    ("hotline-dispatch", "热线派单上门服务", "virtual", 60, "拨打热线，派单上门服务"),
    ("safety-talk", "安全知识讲座", "virtual", 90, "防诈骗、防火、用电安全讲座"),
    ("legal-advice", "法律咨询", "virtual", 60, "赡养、继承、房产等法律咨询"),
    ("tutoring", "课业辅导", "virtual", 90, "为隔代抚养的孙辈辅导功课"),
    ("image-design", "形象设计", "virtual", 60, "发型、着装等形象设计"),
)

# Which service types each category tends to offer.
CATEGORY_SERVICES = {
    "public_welfare": (
        "haircut",
        "blood-pressure",
        "nail-trim",
        "companionship",
        "cleaning",
        "bathing",
        "day-care",
        "hotline-dispatch",
    ),
    "social_affairs": ("grain-oil", "allowance", "hotline-dispatch", "cleaning", "tutoring"),
    "culture_sports": ("interest-class", "chess", "image-design", "tutoring"),
    "charity_relief": ("grain-oil", "allowance", "companionship", "bathing"),
    "community_rights": ("legal-advice", "safety-talk", "hotline-dispatch"),
}

SERVICE_LOGS = {
    "haircut": "为老人理发、修面，清扫碎发，老人对发型满意。",
    "blood-pressure": "测量血压两次，数值已记录，提醒按时服药。",
    "nail-trim": "修剪手脚指甲，检查足部无破损。",
    "companionship": "陪老人聊天读报约一小时，老人情绪良好。",
    "cleaning": "打扫厨房和卫生间，整理衣物，清理过期食品。",
    "bathing": "协助洗浴，浴室已铺防滑垫，老人无不适。",
    "day-care": "在日间照料中心午餐、午休，参加下午文娱活动。",
    "interest-class": "参加书法兴趣班，完成一幅作品。",
    "chess": "象棋对弈三局，讲解残局技巧。",
    "allowance": "协助填写养老服务补贴申请表并提交社区。",
    "grain-oil": "送平价米面油上门，已核对数量。",
    "hotline-dispatch": "接热线派单上门，更换灯泡并检查燃气阀门。",
    "safety-talk": "讲解防诈骗与用电安全，发放宣传资料。",
    "legal-advice": "解答赡养费相关问题，建议先行调解。",
    "tutoring": "辅导孙辈数学作业，讲解错题。",
    "image-design": "修剪发型并提供着装建议，为老人拍照留念。",
}

FEEDBACK_COMMENTS = {
    5: ("服务很周到，谢谢！", "小伙子手艺好，下次还找他。", "非常满意，准时上门。", ""),
    4: ("挺好的，就是来得稍晚一点。", "满意，希望多来几次。", ""),
    3: ("一般，时间有点短。", "还行。"),
    2: ("迟到了半个多小时。", "服务不够细致。"),
    1: ("没有按约定时间来。",),
}

FAMILY_RELATIONS = ("儿子", "女儿", "儿媳", "女婿", "孙子", "孙女", "侄子")
