"""Bugs caught downstream by the tracking team (issue 3, round 2), each as a table row in
our own words: the cause is fixed in general, so other wordings of the same shape pass too."""

import pytest

from policytrack.extract import extract_text

PLAN = {"date": "2022-05-05", "doc_type": "plan", "title": "某县教育事业发展“十四五”规划"}
PLAN_2021 = {"date": "2021-06-18", "doc_type": "plan", "title": "某县“十四五”教育事业发展规划"}
SUMMARY_2023 = {"date": "2023-12-28", "doc_type": "report", "title": "某县教育局2023年工作总结"}
INSPECTION = {"date": "2024-04-12", "doc_type": "report", "title": "关于某县义务教育优质均衡发展情况的督导报告"}


def commitments(text, meta=PLAN):
    return [r for r in extract_text(text, meta, doc="t") if r.type == "commitment"]


def progress(text, meta):
    return [r for r in extract_text(text, meta, doc="t") if r.type == "progress"]


# 分别 lists: the k-th name takes the k-th figure, in both clauses, with the names' shared noun
RESPECTIVELY = [
    # two indicators, two dates: the second clause reuses the first clause's list (bug 1)
    ("到2022年，义务教育巩固率和高中阶段毛入学率分别达到96%、90%，2026年分别达到97%、93%。",
     [("义务教育巩固率", 96, "2022"), ("高中阶段毛入学率", 90, "2022"),
      ("义务教育巩固率", 97, "2026"), ("高中阶段毛入学率", 93, "2026")]),
    # short heads share the last item's noun, in order (bug 5)
    ("到2025年，城区、乡村学校教师周转宿舍分别不少于120套、300套。",
     [("城区学校教师周转宿舍", 120, "2025"), ("乡村学校教师周转宿舍", 300, "2025")]),
    ("2024年，初中、高中班额分别不超过50人、55人。",
     [("初中班额", 50, "2024"), ("高中班额", 55, "2024")]),
]


@pytest.mark.parametrize("text,expected", RESPECTIVELY)
def test_bugs_caught_respectively_pairs_in_order(text, expected):
    got = [(c.indicator, c.target.value, c.deadline) for c in commitments(text) if c.target]
    assert got == expected
    assert len({c.quote for c in commitments(text) if c.target and c.deadline == expected[0][2]}) == 1


@pytest.mark.parametrize("text,meta,needle,forbidden", [
    # a figure opening its clause measures what follows it, not an earlier clause's indicator (bug 2)
    ("到2025年，学校体育场地达标率达到90%，80%以上的教室照明达到国家卫生标准。", PLAN, "教室照明", "场地"),
    # a deadline is never the indicator's name; the counted object is (bug 8)
    ("2024年底前，改造8所农村小学厕所。", PLAN, "农村小学厕所", "年"),
])
def test_bugs_caught_indicator_of_a_figure(text, meta, needle, forbidden):
    cs = commitments(text, meta)
    last = [c for c in cs if c.target][-1]
    assert needle in last.indicator and forbidden not in last.indicator, last.indicator


@pytest.mark.parametrize("text,meta,expected", [
    # a plan's review section reports results of the past period (bug 3)
    ("一、发展现状\n（一）取得的成绩\n“十三五”期间，全县累计投入教育经费12亿元。高中阶段毛入学率达到90.2%，特殊教育学校达到3所。\n"
     "二、主要目标\n到2025年，高中阶段毛入学率达到93%。\n", PLAN_2021,
     {"progress": [(12, 2020), (90.2, 2020), (3, 2020)], "commitment": [(93, "2025")]}),
    # a stated past year in an inspection report is a figure, not a promise (bug 4)
    ("三、存在问题\n（一）经费保障水平偏低。2023年全县初中生均公用经费为960元，按现有增幅难以在2025年达到1000元的规划目标。\n", INSPECTION,
     {"progress": [(960, 2023)]}),
])
def test_bugs_caught_review_figures_are_progress(text, meta, expected):
    recs = extract_text(text, meta, doc="t")
    got_p = [(r.value, r.year) for r in recs if r.type == "progress"]
    for row in expected["progress"]:
        assert row in got_p, got_p
    assert not [r for r in recs if r.type == "commitment" and r.target and r.target.value in [v for v, _ in expected["progress"]]]
    if "commitment" in expected:
        got_c = [(r.target.value, r.deadline) for r in recs if r.type == "commitment" and r.target]
        assert got_c == expected["commitment"]


def test_bugs_caught_start_of_a_standing_end_state():
    # 2025年春季学期起 opens the obligation: a start date, no deadline (bug 6)
    (c,) = commitments("2025年春季学期起，全县中小学实现午餐供应全覆盖。")
    assert (c.kind, c.start_date, c.deadline) == ("qualitative", "2025-03", None)


def test_bugs_caught_bare_task_keeps_the_named_facility():
    # 开工 / 建成并投入使用 alone say nothing about what is built (bug 7)
    cs = commitments("1.新建城北幼儿园，2024年6月底前开工，2025年8月底前建成并投入使用。")
    names = {c.deadline: c.indicator for c in cs}
    assert "城北幼儿园" in names["2024-06"] and "城北幼儿园" in names["2025-08"], names
    assert all("年" not in n for n in names.values()), names


def test_bugs_caught_relative_deadline_resolves_against_the_section_year():
    # a 2023 summary's "2024年工作计划": 年底前 is the end of 2024 (bug 9)
    text = "一、2023年工作完成情况\n全年新建标准化考场12个。\n二、2024年工作计划\n年底前新建标准化考场40个。\n"
    cs = commitments(text, SUMMARY_2023)
    assert [(c.target.value, c.deadline) for c in cs if c.target] == [(40, "2024-12")]


@pytest.mark.parametrize("meta,year", [
    (SUMMARY_2023, 2023),  # the title names the year covered
    (INSPECTION, 2023),  # an untitled-by-year report written in April looks back on the year before
])
def test_bugs_caught_undated_report_figure_takes_the_covered_year(meta, year):
    # bug 10
    (p,) = progress("全县学前三年毛入园率为93.8%。", meta)
    assert p.year == year


# bugs caught on the passages (news pages, task lists), rows in our own words
NEWS_2025 = {"date": "2025-12-02"}


@pytest.mark.parametrize("text,meta,expected", [
    # a promise in a later clause outweighs the state of things an earlier clause describes,
    # and a 年度 naming the project is not the deadline
    ("目前正值冬修时节，各地抢抓农时，力争在2026年4月底前完成2025年度农田整治项目12万亩的主体工程。", NEWS_2025,
     [(12, "万亩", "2026-04")]),
    # a deadline after an earlier past cue (已经印发的计划) still promises
    ("按照已经印发的行动计划，到2027年，全市新建社区食堂40个。", NEWS_2025, [(40, "个", "2027")]),
    # a year the paragraph announces it plans for dates the figures of its later sentences
    ("2026年，我区将持续改善民生。完善基础设施，新增停车位800个；新建口袋公园12个。", {"date": "2026-01-08"},
     [(800, "个", "2026"), (12, "个", "2026")]),
])
def test_bugs_caught_news_commitments(text, meta, expected):
    got = [(c.target.value, c.target.unit, c.deadline) for c in commitments(text, meta) if c.target]
    assert got == expected


def test_bugs_caught_past_year_account_goes_on():
    text = "2024年我县共新建幼儿园5所，新增学位1200个。改扩建小学3所，新增学位900个。"
    recs = extract_text(text, {"date": "2025-02-20", "doc_type": "plan", "title": "今年我县计划新建学校6所"}, doc="t")
    assert [r.value for r in recs if r.type == "progress"] == [5, 1200, 3, 900]


@pytest.mark.parametrize("text,departments", [
    # a tag line of its own, after a blank line, tags the task above it
    ("3.2025年底前建成县级体育馆。\n\n牵头单位：县文旅局\n\n配合单位：县财政局、县自然资源局\n\n4.下一项任务。\n",
     ["县文旅局", "县财政局", "县自然资源局"]),
    # the body a paragraph's first sentence names acts for its later sentences
    ("今年，县卫健委将加快基层医疗建设。其中，计划新建村卫生室15个。", ["县卫健委"]),
])
def test_bugs_caught_departments_from_the_paragraph(text, departments):
    (c,) = commitments(text, {"date": "2023-03-01", "doc_type": "plan"})
    assert c.departments == departments


def test_bugs_caught_cited_title_year_is_not_the_document_year():
    from policytrack.extract.context import build_context

    ctx = build_context("根据《某市教育现代化2035》，结合实际，特制定本计划。\n一、目标\n", None, "t")
    assert ctx.doc_year != 2035


@pytest.mark.parametrize("text,meta,expected", [
    # a figure quoted as a goal (“达到90%”的目标) is a target, even in a report
    ("全市高中阶段毛入学率达到93.5%，超过《规划》“达到90%”的目标。", {"date": "2021-02-01", "doc_type": "report", "title": "2020年教育工作总结"},
     [(90, ">=")]),
    # 分别比…下降15%以上: one figure shared by the listed indicators
    ("到2025年，化学需氧量、氨氮排放总量分别比2020年下降8%以上。", PLAN, [(8, ">="), (8, ">=")]),
    # a budget set at the start of the year is a planned amount
    ("2024年初预算安排卫生健康支出5200万元。", {"date": "2024-06-01"}, [(5200, "=")]),
])
def test_bugs_caught_targets_stated_in_passing(text, meta, expected):
    assert [(c.target.value, c.target.op) for c in commitments(text, meta) if c.target] == expected


def test_bugs_caught_coordinated_years_pair_with_each_clause():
    # 到2022年和2030年: the k-th figure of every clause takes the k-th year
    text = "到2026年和2030年，中小学生体质健康达标率分别不低于92%和95%，近视率下降到45%和40%以下。"
    got = [(c.target.value, c.deadline) for c in commitments(text) if c.target]
    assert got == [(92, "2026"), (95, "2030"), (45, "2026"), (40, "2030")]


# round 4: 分别 after one name with a list of years: every figure keeps that one name
@pytest.mark.parametrize("text,expected", [
    ("到2026年和2030年，全市居民健康素养水平分别不低于25%和32%。",
     [("居民健康素养水平", 25, "2026"), ("居民健康素养水平", 32, "2030")]),
    ("到2025年和2035年，城区学校专任教师本科率分别达到85%和95%以上。",
     [("城区学校专任教师本科率", 85, "2025"), ("城区学校专任教师本科率", 95, "2035")]),
])
def test_bugs_caught_one_name_for_a_list_of_years(text, expected):
    got = [(c.indicator, c.target.value, c.deadline) for c in commitments(text) if c.target]
    assert got == expected


# round 4: qualitative end states a reader can check; "X成果/成效" is not one
@pytest.mark.parametrize("text,meta,expected", [
    ("二要抓项目。11月底前完成体育中心原有看台及游泳馆提升改造，恢复开放条件。", {"date": "2024-02-20", "doc_type": "plan"},
     [("11月底前完成体育中心原有看台及游泳馆提升改造", "2024-11")]),
    ("请各责任单位于2019年5月10日前将整改落实情况报送县政府督查室。", {"date": "2019-03-02", "doc_type": "plan", "title": "关于印发某县2019年重点工作任务的通知"},
     [("请各责任单位于2019年5月10日前将整改落实情况报送县政府督查室", "2019-05-10")]),
    ("某县教育局2021年为民办实事\n2.完成西关小学改扩建项目，开工建设城东幼儿园新建工程；新建成2所幼儿园。", {"date": "2021-03-01", "doc_type": "plan", "title": "某县教育局2021年为民办实事"},
     [("开工建设城东幼儿园新建工程", "2021")]),
    ("一是党建引领有力，智慧校园示范区建设成果广泛应用。", PLAN, []),
])
def test_bugs_caught_checkable_end_states(text, meta, expected):
    got = [(c.quote, c.deadline) for c in commitments(text, meta) if c.kind == "qualitative"]
    assert all(e in got for e in expected) and (expected or not got), got


# round 4: a clause whose 、 opens its own deadline holds two tasks, each with its date
def test_bugs_caught_two_dated_tasks_in_one_clause():
    text = "一要推动项目建设。力争5月底前启动滨河公园二期建设、年底前启动三期建设任务。"
    got = [(c.quote, c.deadline) for c in commitments(text, {"date": "2024-02-20", "doc_type": "plan"})]
    assert got == [("力争5月底前启动滨河公园二期建设", "2024-05"), ("年底前启动三期建设任务", "2024-12")]


# round 4: sets of work areas and 提前N年 are not commitments (SCHEMA: no checkable end state of their own)
@pytest.mark.parametrize("text", [
    "今年重点抓好八个方面工作。",
    "聚焦五项重点任务，推动教育高质量发展。",
    "全市生态环境质量持续改善，提前两年完成“十四五”规划目标。",
])
def test_bugs_caught_not_commitments(text):
    assert commitments(text, {"date": "2024-02-20", "doc_type": "plan"}) == []


# round 4: a bound whose measure stands between it and the figure
@pytest.mark.parametrize("text,op", [
    ("到2025年，每年交流轮岗教师人数不低于符合交流条件教师总数的15%。", ">="),
    ("力争达到高中阶段毛入学率95%的发展目标。", ">="),
])
def test_bugs_caught_distant_bound(text, op):
    assert [c.target.op for c in commitments(text) if c.target] == [op]


# round 4: reported figures on news pages and reports
@pytest.mark.parametrize("text,meta,value", [
    ("学生营养改善计划惠及全省，1850万人受益。", {"date": "2016-03-01", "doc_type": "plan"}, 18500000),
    ("我省1月城镇新增就业1.8万人\n\n本报讯 1月份，全省实现城镇新增就业1.8万人，完成年计划6.2%；全省城镇调查失业率5.8%，比去年同期下降0.2个百分点。", None, 6.2),
])
def test_bugs_caught_reported_not_promised(text, meta, value):
    recs = extract_text(text, meta, doc="t")
    assert value in [r.value for r in recs if r.type == "progress"]
    assert not [r for r in recs if r.type == "commitment" and r.target and r.target.value == value]


def test_bugs_caught_compared_base_year_is_not_the_report_year():
    from policytrack.extract.context import build_context

    text = "【统计局：卫生资源持续增加】我国每千人口床位数从2020年的6.46张增加到2023年的7.23张，比2020年增长12%。"
    ctx = build_context(text, {"doc_type": "report"}, "t")
    assert ctx.report_year == 2023


# round 4: deadlines a date does not set
@pytest.mark.parametrize("text,meta,expected", [
    # a per-unit norm is a standing rule
    ("今年起，某区将2年新建公办幼儿园12所。每所新建公办园设置3个托育班。", {"date": "2024-04-28", "doc_type": "plan"}, [(12, "2025"), (3, None)]),
    # due on an event, not by the page's date
    ("10所公办幼儿园即将投用。待全部投入使用后，将新增公办学位1200个。", {"date": "2026-01-23"}, [(1200, None)]),
    # N年内 inside a named N-year range ends with the range
    ("组织实施学前教育三年行动计划(2017年—2019年)，计划三年内建设200所公办幼儿园。", {"date": "2017-03-01", "doc_type": "plan"}, [(200, "2019")]),
])
def test_bugs_caught_deadline_not_from_the_date(text, meta, expected):
    assert [(c.target.value, c.deadline) for c in commitments(text, meta) if c.target] == expected


def test_bugs_caught_one_hand_in_per_date():
    text = "请各责任单位分别于2018年6月30日和12月10日前，将上半年和全年落实情况报市政府督查室。"
    cs = commitments(text, {"date": "2018-03-31", "doc_type": "plan", "title": "关于印发2018年度重点工作清单的通知"})
    assert [c.deadline for c in cs] == ["2018-06-30", "2018-12-10"]


# round 4: indicator names of counts
@pytest.mark.parametrize("text,expected", [
    # a school's places are that school's, a kind of school's are the plan's
    ("1.新建城北幼儿园，新增学位270个。", "城北幼儿园新增学位"),
    ("2.第三小学扩建工程年底前竣工，新增学位1080个。", "第三小学扩建工程新增学位"),
    ("到2025年，新建公办幼儿园6所，新增学位2400个。", "新增学位"),
    # words that only frame or coordinate the figure do not name it
    ("对全县28所义务教育学校实行课后服务全覆盖。", "义务教育学校实行课后服务全覆盖"),
    ("完成东关学校及11处农村学校塑胶运动场地建成并投入使用。", "农村学校塑胶运动场地建成"),
    # a verb's object goes on after the unit
    ("完成南山学校一期3座教学楼建设。", "完成南山学校一期教学楼建设"),
])
def test_bugs_caught_indicator_of_a_count(text, expected):
    meta = {"date": "2022-03-01", "doc_type": "plan", "title": "某县教育局2022年为民办实事"}
    assert [c.indicator for c in commitments(text, meta) if c.target][-1] == expected


# round 4: slogans and figures already acted on are not commitments
@pytest.mark.parametrize("text,meta", [
    ("力争高考本科上线率实现新突破。", {"date": "2023-02-19", "doc_type": "plan"}),
    ("努力实现2025年一季度“开门红”。", {"date": "2025-01-10", "doc_type": "plan"}),
    ("“十四五”时期，是我国由全面建成小康社会向基本实现社会主义现代化迈进的关键时期。", PLAN),
    ("加快教育项目建设，1月份32所建设项目均已开工。", {"date": "2024-03-01", "doc_type": "plan"}),
])
def test_bugs_caught_slogans_and_done_things(text, meta):
    assert commitments(text, meta) == []


def test_bugs_caught_creating_a_higher_grade_is_an_end_state():
    text = "2023年，某区将办好人民教育。支持区职业中专创建省级高水平职业学校；新增学位3150个。"
    cs = commitments(text, {"date": "2023-01-07", "doc_type": "plan", "title": "某区2023年政府工作报告"})
    assert "支持区职业中专创建省级高水平职业学校" in [c.quote for c in cs]


# round 4: figures that are part of a name or a rate's denominator
@pytest.mark.parametrize("text,values", [
    ("2023年我国每千人口医疗卫生机构床位数从2020年的6.46张增加到7.23张；每万人口全科医生数为3.99人。", [6.46, 7.23, 3.99]),
    ("2015年，某省将“40个贫困县改造建设200所乡镇幼儿园工程”确定为民生实事项目，下拨专项补助资金3.2亿元。", [3.2]),
])
def test_bugs_caught_not_figures(text, values):
    recs = extract_text(text, {"date": "2024-09-28", "doc_type": "report", "title": "统计报告"}, doc="t")
    got = sorted([r.value for r in recs if r.type == "progress"] + [r.target.value for r in recs if r.type == "commitment" and r.target])
    assert got == sorted(values)


# round 4: progress years
def test_bugs_caught_start_value_shares_the_start_year():
    text = "卫生资源供给持续增加。每千人口床位数从2020年的6.46张增加到2023年的7.23张；每千人口执业医师由2.90人提高到3.40人。"
    recs = extract_text(text, {"date": "2025-09-28", "doc_type": "report", "title": "“十四五”以来社会民生统计报告"}, doc="t")
    got = {r.value: r.year for r in recs if r.type == "progress"}
    assert got[6.46] == 2020 and got[7.23] == 2023 and got[2.9] == 2020


def test_bugs_caught_early_year_page_reports_the_year_closed():
    text = ("电子报 2026-01-23 星期五\n城区10所公办幼儿园即将投用\n"
            "1月14日，记者从市教育局获悉，2025年全市10所新建公办幼儿园民生实事项目圆满完成年度目标。\n"
            "此次完成的10所幼儿园，累计竣工面积达30125平方米，已累计投入7059万元。\n")
    recs = extract_text(text, None, doc="t")
    assert {r.value: r.year for r in recs if r.type == "progress"}.get(7059) == 2025


# round 4: news pages that announce plans
@pytest.mark.parametrize("text,expected", [
    ("日前，省政府研究决定，今年将继续为民办十八项实事。\n实施中小学扩容工程。2015年继续实施中小学扩容改造，新增学位5万个。\n",
     [(50000, "2015")]),
    ("某县新布局乡镇公办幼儿园：将覆盖人口15万\n热点新闻 2021-10-12 09:30\n"
     "据悉，新建乡镇公办幼儿园9所，计划投资8000万元，新增学位2700个。项目规划按三个年度分批推进，2016年有3所；2017年有3所；2018年有3所。\n",
     [(9, "2018"), (2700, "2018")]),
])
def test_bugs_caught_news_page_announcing_plans(text, expected):
    got = [(c.target.value, c.deadline) for c in commitments(text, None) if c.target]
    for row in expected:
        assert row in got, got


def test_bugs_caught_a_list_of_targets_is_read_as_one():
    text = ("国务院日前发布三年行动计划称，到2020年，二氧化硫排放总量比2015年下降15%以上。\n"
            "要经过三年努力，明显改善环境空气质量。PM2.5未达标城市浓度比2015年下降18%以上，城市空气质量优良天数比率达到80%，"
            "重度及以上污染天数比率比2015年下降25%以上。")
    got = [c.target.value for c in commitments(text, None) if c.target]
    assert 80 in got and 18 in got and 25 in got


def test_bugs_caught_tasks_of_a_paragraph_with_a_dated_goal():
    text = ("2.实施合理膳食行动。合理膳食是健康的基础。鼓励全社会参与减盐、减油、减糖。修订学校食堂营养配餐指南，推进营养标准体系建设。"
            "到2026年和2030年，中小学生肥胖率分别低于10%和8%。\n"
            "4.实施控烟行动。鼓励领导干部发挥控烟引领作用。把各级学校建设成无烟校园。到2026年，全面无烟法规保护的人口比例达到30%以上。\n")
    quotes = [c.quote for c in commitments(text, None) if c.kind == "qualitative"]
    assert "修订学校食堂营养配餐指南" in quotes and "把各级学校建设成无烟校园" in quotes
    assert not any("鼓励" in q for q in quotes)


# round 4: an indicator's name never ends with another figure of the clause
def test_bugs_caught_second_bound_named_without_the_first_figure():
    text = "到2024年，规上工业增加值增长6%，力争6.5%以上。"
    names = [c.indicator for c in commitments(text) if c.target]
    assert len(names) == 2 and not any("%" in n for n in names), names


# round 5: two measures sharing one rate of change are two targets (cues.yaml joint_subject_nouns)
@pytest.mark.parametrize("text,expected", [
    ("2018年工作目标：全县一般公共预算收入和税收收入增长8%。", {"一般公共预算收入", "税收收入"}),
    ("力争全年社会消费品零售总额与进出口总额均增长6%。", {"社会消费品零售总额", "进出口总额"}),
])
def test_bugs_caught_two_measures_share_one_rate(text, expected):
    got = [c for c in commitments(text) if c.target and c.target.value in (8, 6)]
    assert len(got) == 2
    assert {c.indicator for c in got} == expected


def test_bugs_caught_one_measure_with_a_conjunction_is_one_target():
    # 和 inside one name (a school's and a county's) is not a list of measures
    got = [c for c in commitments("到2025年，城乡学校和幼儿园数量增长10%。") if c.target]
    assert len(got) == 1


@pytest.mark.parametrize("text,meta,expected", [
    # a clause that opens with 确保 pledges its end state, even in a year's account
    ("加大经费保障。不断优化支出结构，确保财政教育投入“两个只增不减”。", SUMMARY_2023, 1),
    # …but a pledge restated under a results heading is part of the review
    ("一、取得的成效\n贯彻落实三个优先，确保财政教育投入“两个只增不减”。", SUMMARY_2023, 0),
])
def test_bugs_caught_clause_pledge_in_a_report(text, meta, expected):
    assert len([c for c in commitments(text, meta) if c.kind == "qualitative"]) == expected


def test_bugs_caught_policy_column_holds_standing_rules():
    text = ("资助项目 | 牵头单位 | 配套政策 | 资助人数 |\n"
            "高中资助 | 县教育局 | 资助家庭经济困难学生。所需资金由省级财政承担。 | 320 |\n")
    cs = [c for c in commitments(text, None) if c.kind == "qualitative"]
    assert any("财政承担" in c.quote for c in cs)


def test_bugs_caught_a_dated_goal_set_up_after_its_subject():
    # the subject first and 建立健全 last, with a date: a state to check by then
    cs = commitments("到2026年，全区学前教育保障制度体系建立健全，普惠性幼儿园覆盖率达到90%。")
    assert any(c.kind == "qualitative" and "建立健全" in c.quote and c.deadline == "2026" for c in cs)


def test_bugs_caught_phases_of_a_project_are_due_in_their_year():
    text = ("新建乡镇公办幼儿园9所，新增学位2700个。项目分三年实施，2016年有2所；2017年有3所幼儿园；"
            "2018年有4所幼儿园。")
    meta = {"date": "2021-03-02"}
    got = {(c.target.value, c.deadline) for c in commitments(text, meta) if c.target}
    assert {(3, "2017"), (4, "2018")} <= got
    assert not [p for p in progress(text, meta) if p.value in (3, 4)]


@pytest.mark.parametrize("text,value", [
    # since a past year, a level kept: the record of a review, not a target
    ("2015年以来，初中学龄人口入学率保持在99.5%以上。", 99.5),
])
def test_bugs_caught_kept_since_a_past_year_is_reported(text, value):
    meta = {"date": "2021-09-01", "title": "义务教育十年发展回顾"}
    assert not [c for c in commitments(text, meta) if c.target and c.target.value == value]
    assert [p for p in progress(text, meta) if p.value == value]


@pytest.mark.parametrize("text,expected", [
    ("每份自评报告篇幅原则上控制在3000字以内。", (3000, "字", "<=")),
])
def test_bugs_caught_a_length_limit_in_characters(text, expected):
    got = [(c.target.value, c.target.unit, c.target.op) for c in commitments(text) if c.target]
    assert got == [expected]


def test_bugs_caught_a_chinese_numeral_before_zi_is_a_word():
    from policytrack.extract.numbers import parse_numbers

    text = "十字路口小学开始铺设塑胶跑道，八字方针落到实处。"
    assert parse_numbers(text, 0, len(text)) == []


def test_bugs_caught_reaching_the_national_average_is_an_end_state():
    cs = commitments("力争使公办幼儿园在园幼儿占比提高至50%以上，达到全省平均水平。")
    assert any(c.kind == "qualitative" and "平均水平" in c.quote for c in cs)


def test_bugs_caught_growth_of_a_budgeted_figure_is_part_of_it():
    text = "加大投入。2024年初预算安排卫生健康支出35120万元，较上年增长12.4%。"
    cs = [c for c in commitments(text, SUMMARY_2023) if c.target]
    assert {c.target.value for c in cs} == {35120, 12.4}
    assert not [p for p in progress(text, SUMMARY_2023) if p.value == 12.4]


def test_bugs_caught_the_same_end_state_of_two_subjects():
    cs = commitments("到2025年，实现农村学校宽带网络全覆盖和教师网络研修全覆盖。")
    assert len([c for c in cs if c.kind == "qualitative" and "全覆盖" in c.quote]) == 2


def test_bugs_caught_a_start_on_an_event_is_not_dated():
    # 开工 once the land is ready: due on an event, not by a date
    cs = commitments("新建城南小学6月底前完成规划设计，确保用地报批到位后立即开工。", {"date": "2024-02-20", "doc_type": "plan"})
    assert not [c for c in cs if "立即开工" in c.quote]
    assert [c for c in cs if "规划设计" in c.quote]


def test_bugs_caught_a_news_page_keeps_the_horizon_it_announced():
    # a page dated 2018 reporting a plan "到2020年…": the plan's later targets are due in 2020
    text = ("某某资讯\n有关部门日前发布“净水攻坚三年行动计划”称，以重点流域为范围，到2020年，全国化学需氧量排放总量"
            "比2015年下降10%以上。\n官网周三刊登全文称，要经过三年努力，明显改善水质。劣五类水体比例下降到5%以内。")
    cs = [c for c in commitments(text, {"date": "2018-07-03"}) if c.target]
    assert [c.deadline for c in cs if c.target.value == 5] == ["2020"]


@pytest.mark.parametrize("text,n", [
    # one end state of two places of one kind: one record each
    ("力争11月底城关镇中心校和石门镇中心校创建通过省级验收。", 2),
    # a single project named by two places stays one task
    ("城关小学和石门小学迁建项目6月底前完成招投标。", 1),
])
def test_bugs_caught_one_end_state_of_two_places(text, n):
    cs = commitments(text, {"date": "2023-02-19", "title": "在全县教育工作会议上的讲话"})
    assert len([c for c in cs if c.kind == "qualitative"]) == n


def test_bugs_caught_the_payer_named_in_a_policy_cell():
    text = ("资助项目 | 牵头单位 | 配套政策 | 资助人数 |\n"
            "中职免学费 | 县教育局 | 免除全日制在校生学费。所需资金由省级财政承担。 | 410 |\n")
    cs = [c for c in commitments(text, None) if c.kind == "qualitative" and "承担" in c.quote]
    assert [c.departments for c in cs] == [["省级财政"]]


@pytest.mark.parametrize("text,n", [
    # an unlisted bundle of 100% goals is one goal: nothing names its parts
    ("完善技防措施，确保校园安全“四个100%”全面达标。", 1),
    # listed parts before or after the idiom: one target each
    ("到2025年，实现校门封闭、护校队、监控联网三个100%目标。", 3),
    ("推进“两个百分之百”建设，实现校车定位、驾驶员培训等达标。", 2),
])
def test_bugs_caught_a_bundle_of_hundreds_splits_only_when_listed(text, n):
    cs = commitments(text)
    assert len([c for c in cs if c.target and c.target.value == 100]) == n


def test_bugs_caught_a_group_bound_is_not_a_figure():
    # 不满50人的教学点 picks the schools the rule covers; the rule's floor is the figure
    cs = [c for c in commitments("在校生不满50人的村小按照不低于50人拨付公用经费。") if c.target]
    assert [(c.target.value, c.target.op) for c in cs] == [(50, ">=")]


@pytest.mark.parametrize("text,values", [
    # the places after a total share it out: the shares are not targets of their own
    ("改扩建6所初中，东区、西区和北区各2所。", [6]),
    # a per-place figure without a total before it is the target
    ("东区和西区各新建1所标准化幼儿园。", [1]),
    # shares that exceed the earlier figure are not its breakdown (a different count)
    ("新建2所小学，每个乡镇和街道各3所幼儿园。", [2, 3]),
])
def test_bugs_caught_shares_of_a_stated_total(text, values):
    assert [c.target.value for c in commitments(text) if c.target] == values


@pytest.mark.parametrize("text,n", [
    # an undated start opens a process: no end state to check
    ("常态化开展督导评价，全面启动学校办学质量监测评估。", 0),
    ("启动实施“强校提质”三年计划。", 0),
    # a start by a date is checkable by that date
    ("力争9月底前启动城北中学二期工程建设。", 1),
])
def test_bugs_caught_a_start_needs_its_date(text, n):
    cs = commitments(text, {"date": "2023-02-19", "doc_type": "plan"})
    assert len([c for c in cs if c.kind == "qualitative" and "启动" in c.quote]) == n


def test_bugs_caught_a_level_to_hold_is_a_target():
    # a page announcing the year's work: the held level sits beside a promised one
    text = ("市人社局召开通气会，部署2024年工作。2024年，市人社局持续推动稳就业。"
            "城镇新增就业稳定在5万人以上，公益性岗位总量保持2万个。")
    cs = {c.target.value: c for c in commitments(text, {"date": "2024-01-15"}) if c.target}
    assert set(cs) == {50000, 20000}
    # the acting body named by the sentence before (持续推动…) answers for both
    assert [cs[v].departments for v in (50000, 20000)] == [["市人社局"], ["市人社局"]]


def test_bugs_caught_a_held_level_in_a_report_stays_reported():
    text = "一、2023年工作回顾\n全年城乡居民医保参保率保持100%。"
    assert [p.value for p in progress(text, SUMMARY_2023)] == [100]


@pytest.mark.parametrize("text,expected", [
    # the actor of an earlier clause goes on acting in the later ones
    ("当前正值春季开学，各地正在抓紧排查，力争在3月底前完成全部校舍安全鉴定。", ["各地"]),
    ("日前，市委、市政府研究决定，今年将继续实施10项教育实事。", ["市委", "市政府"]),
    # a school named in a later clause is what the rule is about, not who answers for it
    ("健全家校协同机制，学校每学期至少召开1次家长会。", []),
])
def test_bugs_caught_the_actor_of_an_earlier_clause(text, expected):
    cs = commitments(text, {"date": "2024-02-20", "doc_type": "plan"})
    assert cs and all(c.departments == expected for c in cs), [(c.quote, c.departments) for c in cs]


def test_bugs_caught_a_pledge_after_a_past_opener():
    # a news report: 2021年以来 describes the past, the later clause still pledges (undated)
    text = ("某县教育局全力保障午餐供应\n时间:2023-11-02\n2021年以来，某县全面推行午餐配送模式，"
            "全力做到农村学校午餐供应全覆盖，2023年县财政共安排午餐补助资金300万元。")
    cs = commitments(text, {"date": "2023-11-02"})
    assert [(c.quote, c.deadline) for c in cs] == [("全力做到农村学校午餐供应全覆盖", None)]
    assert [p.value for p in progress(text, {"date": "2023-11-02"})] == [300]


@pytest.mark.parametrize("text,n", [
    # a pledged passage to the next stage is an event to check
    ("加强重点人群保护，全力做好救治，确保平稳转段。", 1),
    ("完成校舍维修，确保春季顺利开学。", 1),
    # a pledged process has no such event
    ("确保各项工作顺利推进。", 0),
])
def test_bugs_caught_a_pledged_stage_passage(text, n):
    cs = commitments(text, {"date": "2023-02-01", "doc_type": "plan"})
    assert len([c for c in cs if c.quote.startswith("确保")]) == n


def test_bugs_caught_a_rule_quoted_by_a_report():
    # an inspection report quotes the rule it checks against: the rule binds, undated
    text = ("一、检查结果\n（一）办学条件达标情况\n《细则》规定，县域学前教育普及普惠的督导评估，"
            "应在其幼儿园全部达到省定办园标准后进行。")
    cs = commitments(text, INSPECTION)
    assert [c.deadline for c in cs if "应在" in c.quote] == [None]


@pytest.mark.parametrize("text", [
    # a web page's copyright notice is no standing rule
    "本网站所刊登的新闻，未经许可不得转载使用。",
    # an inclusion wherever the rules allow names no state to check
    "加快周转宿舍建设，按规定将符合条件的乡村教师纳入当地住房保障范围。",
    # urging a third party: its end state is theirs, not the plan's
    "到2025年，各村要全面掌握适龄儿童情况，督促监护人依法送子女入学并完成义务教育。",
])
def test_bugs_caught_not_a_standing_rule(text):
    assert commitments(text, {"date": "2023-02-01", "doc_type": "plan"}) == []


def test_bugs_caught_a_rule_inclusion_without_the_proviso_stays():
    cs = commitments("到2025年，原建档立卡家庭学生全部纳入资助范围。", {"date": "2023-02-01", "doc_type": "plan"})
    assert [c.kind for c in cs] == ["qualitative"]


@pytest.mark.parametrize("text,n", [
    # a ledger set up to manage the work is a tool, not a state the work reaches
    ("到2025年，各街道要全面建立困境儿童信息台账，实行一人一档。", 0),
    # the subject-first form of a system set up stays an end state
    ("到2025年，农村垃圾分类长效机制全面建立。", 1),
])
def test_bugs_caught_a_ledger_is_no_end_state(text, n):
    cs = commitments(text, {"date": "2022-03-01", "doc_type": "plan"})
    assert len([c for c in cs if c.kind == "qualitative"]) == n


def test_bugs_caught_a_flat_page_goes_on_in_the_year_it_opened():
    # a dated news page without headings: the sentence after "2023年…" still reports 2023
    text = ("2024年03月01日\n今年我县计划新建学校5所\n本报讯 教育是民生。2023年我县共新建幼儿园12所，学前教育普惠率达到90.5%。"
            "新改扩建中小学6所，优化整合学校18所。\n今年，县教育局将计划新改扩建中小学5所，新增学位3000个。")
    years = {p.value: p.year for p in progress(text, {"date": "2024-03-01"})}
    assert years.get(6) == 2023 and years.get(18) == 2023, years


def test_bugs_caught_last_years_additions_are_no_baseline():
    # 新增学位 counts one year's additions: last year's figure is not where this year's starts
    text = ("2024年03月01日\n本报讯 2023年我县新增学位4000个。\n今年，县教育局将计划新增学位3000个。")
    cs = [c for c in commitments(text, {"date": "2024-03-01"}) if c.target and c.target.value == 3000]
    assert cs and cs[0].baseline is None


def test_bugs_caught_a_clause_after_a_closed_block_starts_after_it():
    # a task title run on after the previous task's 责任单位 block: the quote is the title's own
    text = ("二、主要任务\n（一）改善办学条件。逐步实现学校食堂供餐。（责任单位：县教育局、县财政局，各乡镇）"
            "全面消除“大班额”。到2025年，全面消除56人以上大班额。（责任单位：县教育局）")
    cs = commitments(text, {"date": "2022-03-01", "doc_type": "plan"})
    quotes = [c.quote for c in cs]
    assert "全面消除“大班额”" in quotes and not [q for q in quotes if "）" in q or ")" in q], quotes
    # the title belongs to the task whose block follows it
    assert [c.departments for c in cs if c.quote == "全面消除“大班额”"] == [["县教育局"]]


# session 5: names of figures that only state a change, and nouns that open with 在
CHANGES = [
    # one change after one level: the level's name plus the comparison
    ("2023年，全县学前三年毛入园率为91.5%，比2020年提高6.2个百分点。",
     [("学前三年毛入园率", 91.5), ("学前三年毛入园率比2020年提高", 6.2)]),
    # 分别 on both sides: the k-th change is the k-th level's
    ("小学、初中生均校舍面积分别达到7.1平方米、9.3平方米，较上年分别增加0.4平方米和0.6平方米。",
     [("小学生均校舍面积", 7.1), ("初中生均校舍面积", 9.3),
      ("小学生均校舍面积较上年增加", 0.4), ("初中生均校舍面积较上年增加", 0.6)]),
]


@pytest.mark.parametrize("text,expected", CHANGES)
def test_bugs_caught_a_change_is_named_after_its_level(text, expected):
    got = [(p.indicator, p.value) for p in progress(text, SUMMARY_2023)]
    assert got == expected


def test_bugs_caught_a_change_does_not_take_the_levels_id():
    # in the level's own unit a change would pass for the level
    ps = progress("2023年，全县专任教师2460人，比上年增加120人。", SUMMARY_2023)
    assert [(p.indicator_id, p.value) for p in ps] == [("full_time_teachers", 2460), (None, 120)]
    # in 百分点 it cannot (units differ), and it keeps the level's id for search
    ps = progress("2023年，全县学前三年毛入园率为91.5%，比上年提高1.2个百分点。", SUMMARY_2023)
    assert [p.indicator_id for p in ps] == ["preschool_gross_enrollment", "preschool_gross_enrollment"]
    # a change the catalogue knows as such keeps its own id
    ps = progress("2023年，全县一般公共预算教育支出4.2亿元，比上年增长6.5%。", SUMMARY_2023)
    assert ps[-1].indicator_id == "education_expenditure_growth"


@pytest.mark.parametrize("text,name", [
    ("2023年，全县共有在校生31250人。", "在校生"),
    ("全县在园幼儿8620人。", "在园幼儿"),
    ("现有在职教职工2460人。", "在职教职工"),
    ("在全县新建幼儿园3所。", "新建幼儿园"),  # 在 as a preposition still goes
])
def test_bugs_caught_nouns_opening_with_zai_keep_it(text, name):
    assert progress(text, SUMMARY_2023)[0].indicator == name


# found by review (session 5)
def test_bugs_caught_shares_that_do_not_add_up_are_targets():
    got = [(c.indicator, c.target.value) for c in commitments("到2025年，全县改扩建学校10所，新建小学和初中各2所。") if c.target]
    assert got == [("改扩建学校", 10), ("新建小学和初中", 2)]
    got = [(c.indicator, c.target.value) for c in commitments("到2025年，新建4所幼儿园，城东、城西、城南和城北各1所。") if c.target]
    assert got == [("新建幼儿园", 4)]


@pytest.mark.parametrize("text,expected", [
    # two changes of one level: each is the level's, not the previous change's
    ("2022年，全县专任教师达到1200人，比上年增加120人，比2015年增加300人。",
     [("专任教师", 1200, "full_time_teachers"), ("专任教师比上年增加", 120, None), ("专任教师比2015年增加", 300, None)]),
    # 与…相比 is a comparison too: no level id for a change in the level's unit
    ("专任教师达到1200人，与上年相比增加120人。",
     [("专任教师", 1200, "full_time_teachers"), ("专任教师与上年增加", 120, None)]),
])
def test_bugs_caught_changes_name_their_level(text, expected):
    assert [(p.indicator, p.value, p.indicator_id) for p in progress(text, SUMMARY_2023)] == expected


# a 通知 to the districts (session 5 probes): 各区县 acts, 于…前 is no part of the task's name
def test_bugs_caught_districts_act_and_yu_goes():
    meta = {"date": "2024-04-02", "doc_type": "notice", "title": "某市教育局关于开展义务教育办学条件专项督导的通知"}
    cs = commitments("各区县须于2024年5月31日前完成自查，并于6月10日前将自查报告报送市教育局督导科。", meta)
    assert [(c.indicator, c.deadline, c.departments) for c in cs] == [
        ("各区县须完成自查", "2024-05-31", ["各区县"]),
        ("自查报告报送市教育局督导科", "2024-06-10", ["各区县"]),
    ]


@pytest.mark.parametrize("text,name", [
    # counted schools are a kind, not one school whose places these are
    ("上半年新建成投用幼儿园2所，新增学位540个。", "新增学位"),
    ("新建城东、城西2所公办幼儿园，新增公办学位360个。", "新增公办学位"),
    ("完成城关第一小学、县第二中学等5所学校改扩建，新增学位1200个。", "新增学位"),
    # one named school: its places
    ("新建城东实验幼儿园，新增学位360个。", "城东实验幼儿园新增学位"),
])
def test_bugs_caught_places_of_counted_schools(text, name):
    assert progress(text, SUMMARY_2023)[-1].indicator == name


def test_bugs_caught_a_later_clauses_date_does_not_make_a_report_promise():
    # 完成主体施工 is reported; only 预计9月投入使用 (its own clause, its own date) is promised
    cs = commitments("城北小学扩建工程完成主体施工，预计9月投入使用。",
                     {"date": "2024-07-05", "doc_type": "report", "title": "某区2024年上半年教育工作总结"})
    assert [(c.quote, c.deadline) for c in cs] == [("预计9月投入使用", "2024-09")]


def test_bugs_caught_an_inspectorates_feedback_reports():
    """督导反馈意见 ends in 意见 but reviews a year: its problems section reports figures; its
    整改要求 still promise (own dates)."""
    from policytrack.ingest.meta import detect_meta

    text = ("关于某县2023年度县级人民政府履行教育职责情况的督导反馈意见\n2024年3月20日\n二、存在问题\n"
            "普惠性幼儿园覆盖率为81.2%。全县仍有56人以上大班额12个。\n三、整改要求\n（一）2024年底前，普惠性幼儿园覆盖率达到85%以上。\n")
    recs = extract_text(text, detect_meta(text), doc="t")
    assert [(r.type, r.indicator, r.target.value if r.type == "commitment" else r.value) for r in recs] == [
        ("progress", "普惠性幼儿园覆盖率", 81.2), ("progress", "仍有56人以上大班额", 12),
        ("commitment", "普惠性幼儿园覆盖率", 85)]
