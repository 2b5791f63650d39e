"""Metadata rules on short real-style phrases: dates, 文号, notices, regions, types."""

from __future__ import annotations

import pytest

from policytrack.ingest.clean import clean_text, is_furniture_line
from policytrack.ingest.meta import detect_meta, detect_region, parse_date


# developed on (seed forms) / evaluated on (other forms) / bugs caught
@pytest.mark.parametrize(
    "s,iso",
    [
        ("2022年5月5日", "2022-05-05"),
        ("二〇一七年八月", "2017-08"),
        ("2017/8/2 15:23:22", "2017-08-02"),
        ("2022-11-25 09:02:18", "2022-11-25"),
        # evaluated on
        ("二〇二一年十二月三十一日", "2021-12-31"),
        ("二○一九年三月十日", "2019-03-10"),
        ("2020.09.01", "2020-09-01"),
        ("2023年 3月 6日", "2023-03-06"),
        # bugs caught
        ("2021年13月", None),
        ("第3页", None),
    ],
)
def test_parse_date(s, iso):
    assert parse_date(s) == iso


@pytest.mark.parametrize(
    "head,number",
    [
        ("索引号 640302001/2022-00496 文号 吴利政办发〔2022〕46号 生成日期 2022-05-05", "吴利政办发〔2022〕46号"),
        ("阳政发[2012]49号\n关于印发某某方案的通知", "阳政发[2012]49号"),
        ("鲁教督〔2013〕2号\n关于做好督导评估工作的通知", "鲁教督〔2013〕2号"),
        ("某县教育规划\n根据《意见》(中发〔2019〕26号)精神，制定本规划。", None),  # cited, not own
    ],
)
def test_doc_number(head, number):
    assert detect_meta(clean_text(head)).doc_number == number


@pytest.mark.parametrize(
    "text,title,notice",
    [
        ("关于印发《某县学前教育行动计划》的通知\n各乡镇：\n现印发给你们。", "某县学前教育行动计划", "关于印发《某县学前教育行动计划》的通知"),
        ("某县人民政府办公室关于转发《某市教育督导实施办法》的通知\n正文。", "某市教育督导实施办法", "某县人民政府办公室关于转发《某市教育督导实施办法》的通知"),
        ("某县2020年教育工作总结\n2020年，我县……", "某县2020年教育工作总结", None),
    ],
)
def test_title_and_notice(text, title, notice):
    m = detect_meta(text)
    assert (m.title, m.notice_title) == (title, notice)


@pytest.mark.parametrize(
    "title,doc_type",
    [
        ("某县教育事业发展“十四五”规划", "plan"),
        ("某市城乡义务教育一体化改革发展实施方案", "plan"),
        ("关于加快发展学前教育的实施意见", "plan"),
        ("某县2022年教育工作计划", "plan"),
        ("某县义务教育均衡发展自评报告", "report"),
        ("某县教育局2021年工作总结", "report"),
        ("某省人民政府教育督导委员会督导报告", "report"),
        ("某县人民政府关于表彰先进集体的决定", "other"),
        # an inspectorate's feedback is a review, though its title ends in 意见 (session 5)
        ("关于某县2023年度县级人民政府履行教育职责情况的督导反馈意见", "report"),
        ("关于2024年春季学校安全工作检查情况的通报", "report"),
        ("关于进一步加强中小学生作业管理的指导意见", "plan"),
    ],
)
def test_doc_type(title, doc_type):
    assert detect_meta(title + "\n正文。").doc_type == doc_type


@pytest.mark.parametrize(
    "src,region,level",
    [
        ("吴忠市利通区人民政府办公室", "利通区", "district"),
        ("清涧县人民政府办公室", "清涧县", "county"),
        ("阳谷县人民政府", "阳谷县", "county"),
        ("山东省教育厅", "山东省", "province"),
        ("锦州市人民政府", "锦州市", "city"),
        ("凌海市教育局", "凌海市", "county"),      # county-level city
        ("某某县人民政府", "某某县", "county"),      # unknown name, by suffix
        ("教育局", None, None),
    ],
)
def test_region(src, region, level):
    assert detect_region(src) == (region, level)


def test_report_year_from_title():
    assert detect_meta("某县2020年工作总结\n一、主要成绩").report_year == 2020


def test_signature_block_prefers_precise_date():
    text = "某县自评报告\n某县人民政府\n二〇一七年八月\n正文。\n某县人民政府\n2017年8月10日"
    m = detect_meta(text)
    assert (m.issuer, m.date) == ("某县人民政府", "2017-08-10")


@pytest.mark.parametrize(
    "line,is_furniture",
    [
        ("当前位置:首页 > 政府信息公开", True),
        ("您现在的位置政府信息公开 >> 政府办", True),
        ("【字体:】【关闭窗口】【打印", True),
        ("宁ICP备19000976号-1宁公网安备64030202000186号", True),
        ("扫一扫在手机打开当前页", True),
        ("主办单位:利通区人民政府办公室版权所有", True),
        ("打印该页 返回顶部 关闭窗口", True),
        ("技术支持:网旗网络", True),
        # body lines that must stay
        ("附件:清涧县义务教育优质均衡发展规划进度表", False),
        ("(此件公开发布)", False),
        ("主办单位要加强组织领导。", False),  # bug caught: needs the colon of a footer field
        ("学校要设立首页展示栏，当前位置明显。", False),
        ("一、指导思想", False),
    ],
)
def test_furniture_lines(line, is_furniture):
    assert is_furniture_line(line) == is_furniture


@pytest.mark.parametrize(
    "text, names",
    [
        ("正文。\n附件：某某县2023年教育重点工作任务分解表", ["某某县2023年教育重点工作任务分解表"]),
        ("正文。\n附件：1.任务分解表 2.指标表", ["任务分解表", "指标表"]),
        ("正文。\n附件：1.任务分解表\n2.指标表\n3.责任清单\n某某县人民政府\n2023年3月6日", ["任务分解表", "指标表", "责任清单"]),
        # a numbered body paragraph after the attachment line is not an attachment
        ("附件：1.任务分解表\n3.加强督导。县教育局每年开展一次专项督导，督导结果向社会公开。", ["任务分解表"]),
        ("附件2：指标表。", ["指标表"]),
        ("全文没有附件行。", []),
    ],
)
def test_attachments(text, names):
    from policytrack.ingest.meta import find_attachments

    assert find_attachments(text) == names


# A document whose title and issuer name no place we know: the place whose organs the body
# keeps naming (a city's inspection report on a county), never a generic noun before 区/县.
@pytest.mark.parametrize("title, body, region", [
    ("关于青禾县“十四五”教育事业发展规划实施情况的中期督导报告",
     "（一）青禾县人民政府要在2024年9月底前确保城区第三小学投入使用。（责任单位：青禾县教育体育局）"
     "（三）青禾县财政局要逐年提高义务教育生均公用经费标准。", "青禾县"),
    ("工作情况通报", "要求和林格尔县人民政府加快建设，和林格尔县教育局牵头，和林格尔县财政局配合。", "和林格尔县"),
    ("工作情况通报", "会议要求，恩阳区教育局、恩阳区财政局按期完成。", "恩阳区"),
    # a name neither known nor in the title: 全国社区教育 is not a district
    ("社区教育发展情况", "推动为全国社区教育示范，为全国社区教育实验区建设。", None),
    # not followed by an organ: 建成县职业高中, 形成县三项督导
    ("工作总结", "投入470万元建成县职业高中实训楼，形成县三项督导反馈机制，建成县职业高中。", None),
    # named once only
    ("工作总结", "会上，恩阳区教育局作了发言。", None),
])
def test_region_named_in_body(title, body, region):
    from policytrack.ingest.meta import region_named_in_body

    assert region_named_in_body(body, title)[0] == region


@pytest.mark.parametrize("url,iso", [
    ("http://www.example.gov.cn/zwgk/202305/t20230512_123456.html", "2023-05-12"),
    ("http://news.example.cn/2021-08/23/c_1211341802.htm", "2021-08-23"),
    ("http://www.example.gov.cn/art/2024/1/3/art_1229_4999.html", "2024-01-03"),
    ("http://www.example.cn/xxgk/20220914/1377952.html", "2022-09-14"),
    ("http://www.example.cn/tuijian/2023/0120/29570.html", "2023-01-20"),
    ("http://www.example.cn/news/2016/10-17/9567.html", "2016-10-17"),
    ("http://www.example.cn/china/201903/50-221875.html", "2019-03"),
    ("https://www.example.com/news/12397395", None),
    ("http://www.example.cn/p-202399.html", None),
    ("003_plan.txt", None),
])
def test_date_from_url(url, iso):
    from policytrack.ingest.meta import date_from_url

    assert date_from_url(url) == iso


def test_undated_page_takes_its_url_date_and_a_dated_one_keeps_its_own():
    from policytrack.ingest.meta import detect_meta

    url = "http://www.example.gov.cn/zwgk/202305/t20230512_123456.html"
    assert detect_meta("某县教育局关于做好招生工作的通知\n各学校：\n今年秋季招生工作安排如下。", source=url).date == "2023-05-12"
    signed = "某县教育局关于做好招生工作的通知\n各学校：\n安排如下。\n某县教育局\n2023年4月28日"
    assert detect_meta(signed, source=url).date == "2023-04-28"
