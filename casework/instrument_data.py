"""GB/T 42195-2022 老年人能力评估规范 as data: the instrument the data migration loads.

Scores are those of the standard's assessment forms (附录B, tables B.1–B.4); the first-level
indicators, their item counts and the total of 90 are as in clause 5 (评估指标). The five
levels and their total-score bands (能力完好 90, 轻度受损 66–89, 中度受损 46–65, 重度受损
30–45, 完全丧失 0–29) and the two adjustments are clause 6 (评估结果, 能力等级划分).

Sources: the standard text was not reachable from here. Items and scores were taken from a
transcription of 附录B, and the level bands and adjustments from three independent
implementations of the standard that agree (see the report of issue 16). Two details
could not be confirmed against the text and are marked "UNCONFIRMED" below; a city that
holds the official text corrects them by loading a new version of the instrument.

Labels are abridged from the standard's option texts; the option's score is what counts.
"""

CODE = "GB/T 42195-2022"
VERSION = 1
TITLE = "老年人能力评估规范"

# The wording the standard repeats for most self-care and mobility items.
_ASSIST = [
    (4, "独立完成，不需要协助"),
    (3, "在他人指导或提示下完成"),
    (2, "需要他人协助，但以自身完成为主"),
    (1, "主要依靠他人协助，自身能给予配合"),
    (0, "完全依赖他人协助，且不能给予配合"),
]

INDICATORS = [
    {
        "code": "B.1",
        "name": "自理能力",
        "items": [
            (
                "B.1.1",
                "进食",
                [
                    (4, "独立使用器具将食物送进口中并咽下，没有呛咳"),
                    (3, "在他人指导或提示下完成，或独立使用辅具，没有呛咳"),
                    (2, "进食中需要少量接触式协助，偶尔（每月一次及以上）呛咳"),
                    (1, "在进食中需要大量接触式协助，经常（每周一次及以上）呛咳"),
                    (0, "完全依赖他人协助进食，或吞咽困难，或留置营养管"),
                ],
            ),
            ("B.1.2", "修饰", _ASSIST),
            ("B.1.3", "洗澡", _ASSIST),
            ("B.1.4", "穿/脱上衣", _ASSIST),
            ("B.1.5", "穿/脱裤子和鞋袜", _ASSIST),
            (
                "B.1.6",
                "小便控制",
                [
                    (4, "可自行控制排尿，排尿次数、排尿控制均正常"),
                    (3, "白天可自行控制，夜间次数增多、控制较差，或自行使用尿布尿垫"),
                    (2, "白天大部分时间可控制，偶有尿失禁，或需少量协助使用尿布尿垫"),
                    (1, "白天大部分时间不能控制，夜间尿失禁，或需大量协助使用尿布尿垫"),
                    (0, "小便失禁，完全不能控制排尿，或留置导尿管"),
                ],
            ),
            (
                "B.1.7",
                "大便控制",
                [
                    (4, "可正常自行控制大便排出"),
                    (3, "有时便秘或大便失禁，或自行使用开塞露、尿垫等"),
                    (2, "经常便秘或大便失禁，或需少量协助使用开塞露、尿垫等"),
                    (1, "大部分时间便秘或大便失禁，或需大量协助使用开塞露、尿垫等"),
                    (0, "严重便秘或完全大便失禁，依赖他人协助排便或清洁皮肤"),
                ],
            ),
            ("B.1.8", "如厕", _ASSIST),
        ],
    },
    {
        "code": "B.2",
        "name": "基础运动能力",
        "items": [
            ("B.2.1", "床上体位转移", _ASSIST),
            ("B.2.2", "床椅转移", _ASSIST),
            (
                "B.2.3",
                "平地行走",
                [
                    (4, "独立平地行走50 m左右，不需要协助，无摔倒风险"),
                    (3, "能平地行走50 m左右，有跌倒风险，需监护指导或使用拐杖、助行器"),
                    (2, "在步行时需要他人少量扶持协助"),
                    (1, "在步行时需要他人大量扶持协助"),
                    (0, "完全不能步行"),
                ],
            ),
            (
                "B.2.4",
                "上下楼梯",
                [
                    (3, "可独立上下楼梯（连续10～15个台阶），不需要协助"),
                    (2, "在他人指导或提示下完成"),
                    (1, "需要他人协助，但以自身完成为主"),
                    (0, "主要依靠或完全依赖他人协助"),
                ],
            ),
        ],
    },
    {
        "code": "B.3",
        "name": "精神状态",
        "items": [
            (
                "B.3.1",
                "时间定向",
                [
                    (4, "年、月清楚，日期（或星期几）可相差一天"),
                    (3, "年、月、日（或星期几）不能全部分清（相差两天或以上）"),
                    (2, "年、月、日不清楚，可知上半年或下半年或季节"),
                    (1, "年、月、日不清楚，可知上午、下午或白天、夜间"),
                    (0, "无时间观念"),
                ],
            ),
            (
                "B.3.2",
                "空间定向",
                [
                    (4, "能在日常生活范围内单独外出"),
                    (3, "不能单独外出，但能准确知道日常生活所在地的地址"),
                    (2, "不能单独外出，但知道较多日常生活的地址信息"),
                    (1, "不能单独外出，知道较少居住或生活所在地的地址信息"),
                    (0, "不能单独外出，无空间观念"),
                ],
            ),
            (
                "B.3.3",
                "人物定向",
                [
                    (4, "认识长期共同生活的人，能称呼并知道关系"),
                    (3, "能认识大部分共同生活的人，能称呼或知道关系"),
                    (2, "能认识部分日常同住的亲人或照护者"),
                    (1, "只认识自己或极少数日常同住的亲人或照护者"),
                    (0, "不认识任何人（包括自己）"),
                ],
            ),
            (
                "B.3.4",
                "记忆",
                [
                    (4, "总能保持与社会、年龄相适应的记忆能力，能完整回忆"),
                    (3, "轻度记忆紊乱或回忆不能（即时信息3个词语5分钟后仅能回忆0～1个）"),
                    (2, "中度记忆紊乱或回忆不能（不能回忆近期记忆）"),
                    (1, "重度记忆紊乱或回忆不能（不能回忆远期记忆）"),
                    (0, "记忆完全紊乱或完全不能对既往事物进行正确回忆"),
                ],
            ),
            (
                "B.3.5",
                "理解能力",
                [
                    (4, "能正常理解他人的话"),
                    (3, "能理解他人的话，但需要增加时间"),
                    (2, "理解有困难，需要频繁重复或简化口头表达"),
                    (1, "理解有严重困难，需要大量他人帮助"),
                    (0, "完全不能理解他人的话"),
                ],
            ),
            (
                "B.3.6",
                "表达能力",
                [
                    (4, "能正常表达自己的想法"),
                    (3, "能表达自己的需要，但需要增加时间"),
                    (2, "表达需要有困难，需频繁重复或简化口头表达"),
                    (1, "表达有严重困难，需要大量他人帮助"),
                    (0, "完全不能表达需要"),
                ],
            ),
            ("B.3.7", "攻击行为", [(1, "未出现"), (0, "近一个月内出现过攻击行为")]),
            ("B.3.8", "抑郁症状", [(1, "未出现"), (0, "近一个月内出现过负性情绪")]),
            (
                "B.3.9",
                "意识水平",
                [
                    (2, "神志清醒，对周围环境能做出正确反应"),
                    (1, "嗜睡或意识模糊"),
                    (0, "昏睡"),
                    # Coma scores 0 like stupor but decides the level on its own (below).
                    (0, "昏迷", "coma"),
                ],
            ),
        ],
    },
    {
        "code": "B.4",
        "name": "感知觉与社会参与",
        "items": [
            (
                "B.4.1",
                "视力",
                [
                    (2, "视力正常"),
                    (1, "能看清大字体，看不清书报标准字体；或能辨认物体"),
                    (0, "只能看到光、颜色和形状；完全失明"),
                ],
            ),
            (
                "B.4.2",
                "听力",
                [
                    (2, "听力正常"),
                    (1, "轻声说话或距离超过两米时听不清，需安静环境或大声说话"),
                    (0, "讲话者大声或很慢说话才能部分听见；完全失聪"),
                ],
            ),
            (
                "B.4.3",
                "执行日常事务",
                [
                    (4, "能完全独立计划、安排和完成日常事务，无需协助"),
                    (3, "需要他人监护或指导"),
                    (2, "需要少量协助"),
                    (1, "需要大量协助"),
                    (0, "完全依赖他人进行日常事务"),
                ],
            ),
            (
                "B.4.4",
                "使用交通工具外出",
                [
                    (3, "能自己骑车或搭乘公共交通工具外出"),
                    (2, "能自己搭乘出租车，但不会搭乘其他公共交通工具"),
                    (1, "有人协助或陪伴时可搭乘公共交通工具"),
                    (0, "只能在他人协助下搭乘出租车或私家车；或完全不能出门"),
                ],
            ),
            (
                "B.4.5",
                "社会交往能力",
                [
                    (4, "参与社会，在社会环境有一定适应能力，待人接物恰当"),
                    (3, "能适应单纯环境，主动接触他人，不能理解隐喻语"),
                    (2, "脱离社会，可被动接触，不会主动待人，容易上当受骗"),
                    (1, "勉强可与他人接触，谈吐内容不清楚，表情不恰当"),
                    (0, "不能与人交往"),
                ],
            ),
        ],
    },
]

# rank, code, name, lowest and highest total score, and the portal's care level. The care
# level mapping is this portal's, not the standard's: 能力完好 → 自理 (self_reliant);
# 轻度/中度受损 → 半失能 (semi_dependent); 重度受损/完全丧失 → 失能 (dependent).
LEVELS = [
    (0, "intact", "能力完好", 90, 90, "self_reliant"),
    (1, "mild", "能力轻度受损（轻度失能）", 66, 89, "semi_dependent"),
    (2, "moderate", "能力中度受损（中度失能）", 46, 65, "semi_dependent"),
    (3, "severe", "能力重度受损（重度失能）", 30, 45, "dependent"),
    (4, "complete", "能力完全丧失（完全失能）", 0, 29, "dependent"),
]

# An option that decides the level whatever the total: coma.
# UNCONFIRMED: implementations read the standard as "处于昏迷状态者，直接评定为能力完全丧失";
# one transcription of table B.3.9's note reads "直接评定为重度失能". Level 4 is loaded here.
OVERRIDES = {"coma": 4}

# Clause 6 adjustments: any one present raises the preliminary level by one (at most to 4).
# UNCONFIRMED wording of the ICD ranges; the three conditions agree across sources.
ADJUSTMENTS = [
    ("dementia", "确诊为痴呆（F00–F03）"),
    ("mental_disorder", "精神科专科医生诊断的其他精神和行为障碍疾病（F04–F99）"),
    ("risk_events", "近30天内发生过2次及以上照护风险事件（如跌倒、噎食、自杀、自伤、走失等）"),
]
