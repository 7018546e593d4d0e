#include "httpheaders.h"

#include <QTest>

using namespace Qt::StringLiterals;
namespace http = heiko::http;

// The header parsers that decide whether bytes are trusted: every ambiguous value must be refused.
class TestHttpHeaders final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void contentLength_data();
    void contentLength();
    void contentRange_data();
    void contentRange();
    void httpDate_data();
    void httpDate();
    void retryAfter_data();
    void retryAfter();
    void strongEtag_data();
    void strongEtag();
    void etagsMatchWeakly_data();
    void etagsMatchWeakly();
};

void TestHttpHeaders::contentLength_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("expected"); // -1: refused
    QTest::newRow("plain") << "1234"_ba << qint64(1234);
    QTest::newRow("zero") << "0"_ba << qint64(0);
    QTest::newRow("spaces") << "  42 "_ba << qint64(42);
    QTest::newRow("beyond 4 GiB") << "5368709120"_ba << qint64(5368709120);
    QTest::newRow("repeated same") << "10, 10"_ba << qint64(10);
    QTest::newRow("conflicting") << "10, 12"_ba << qint64(-1);
    QTest::newRow("negative") << "-5"_ba << qint64(-1);
    QTest::newRow("plus sign") << "+5"_ba << qint64(-1);
    QTest::newRow("hex") << "0x10"_ba << qint64(-1);
    QTest::newRow("empty") << ""_ba << qint64(-1);
    QTest::newRow("words") << "ten"_ba << qint64(-1);
    QTest::newRow("overflow") << "99999999999999999999999"_ba << qint64(-1);
    QTest::newRow("decimal point") << "1.5"_ba << qint64(-1);
    QTest::newRow("empty element") << "10,"_ba << qint64(-1);
}

void TestHttpHeaders::contentLength()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, expected);
    const auto parsed = http::parseContentLength(value);
    QCOMPARE(parsed.has_value(), expected >= 0);
    if (parsed)
        QCOMPARE(*parsed, expected);
}

void TestHttpHeaders::contentRange_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    QTest::addColumn<qint64>("total");
    QTest::newRow("full") << "bytes 0-99/100"_ba << true << qint64(0) << qint64(99) << qint64(100);
    QTest::newRow("middle") << "bytes 100-199/1000"_ba << true << qint64(100) << qint64(199) << qint64(1000);
    QTest::newRow("unknown total") << "bytes 5-9/*"_ba << true << qint64(5) << qint64(9) << qint64(-1);
    QTest::newRow("unsatisfied") << "bytes */5000"_ba << true << qint64(-1) << qint64(-1) << qint64(5000);
    QTest::newRow("beyond 4 GiB") << "bytes 4831838208-4832886783/4832886784"_ba << true << qint64(4831838208)
                                  << qint64(4832886783) << qint64(4832886784);
    QTest::newRow("last before first") << "bytes 9-5/100"_ba << false << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("last beyond total")
        << "bytes 0-100/100"_ba << false << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("no unit") << "0-99/100"_ba << false << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("other unit") << "items 0-9/10"_ba << false << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("nothing known") << "bytes */*"_ba << false << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("negative") << "bytes -5-9/10"_ba << false << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("garbage") << "bytes a-b/c"_ba << false << qint64(0) << qint64(0) << qint64(0);
}

void TestHttpHeaders::contentRange()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    const auto parsed = http::parseContentRange(value);
    QCOMPARE(parsed.has_value(), valid);
    if (!parsed)
        return;
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    QFETCH(qint64, total);
    QCOMPARE(parsed->first, first);
    QCOMPARE(parsed->last, last);
    QCOMPARE(parsed->total, total);
}

void TestHttpHeaders::httpDate_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("expected"); // ISO UTC, empty: invalid
    QTest::newRow("IMF-fixdate") << "Sun, 06 Nov 1994 08:49:37 GMT"_ba << u"1994-11-06T08:49:37Z"_s;
    QTest::newRow("RFC 850") << "Sunday, 06-Nov-94 08:49:37 GMT"_ba << u"1994-11-06T08:49:37Z"_s;
    QTest::newRow("asctime") << "Sun Nov  6 08:49:37 1994"_ba << u"1994-11-06T08:49:37Z"_s;
    QTest::newRow("2024") << "Mon, 01 Jan 2024 00:00:30 GMT"_ba << u"2024-01-01T00:00:30Z"_s;
    QTest::newRow("RFC 850 after 2000") << "Thursday, 05-Jan-06 10:00:00 GMT"_ba << u"2006-01-05T10:00:00Z"_s;
    QTest::newRow("asctime two-digit day") << "Thu Jan 15 10:00:00 2026"_ba << u"2026-01-15T10:00:00Z"_s;
    QTest::newRow("leap day") << "Thu, 29 Feb 2024 23:59:59 GMT"_ba << u"2024-02-29T23:59:59Z"_s;
    QTest::newRow("no such day") << "Sat, 31 Feb 2024 10:00:00 GMT"_ba << QString();
    QTest::newRow("no such month") << "Sun, 06 Foo 1994 08:49:37 GMT"_ba << QString();
    QTest::newRow("no such hour") << "Sun, 06 Nov 1994 24:49:37 GMT"_ba << QString();
    QTest::newRow("not GMT") << "Sun, 06 Nov 1994 08:49:37 PST"_ba << QString();
    QTest::newRow("no day name") << "06 Nov 1994 08:49:37 GMT"_ba << QString();
    QTest::newRow("three-digit year") << "Sun, 06 Nov 994 08:49:37 GMT"_ba << QString();
    QTest::newRow("short time") << "Sun, 06 Nov 1994 8:49:37 GMT"_ba << QString();
    QTest::newRow("signs in numbers") << "Sun, +6 Nov 1994 08:49:37 GMT"_ba << QString();
    QTest::newRow("trailing words") << "Sun, 06 Nov 1994 08:49:37 GMT and more words"_ba << QString();
    QTest::newRow("garbage") << "soon"_ba << QString();
    QTest::newRow("empty") << ""_ba << QString();
}

void TestHttpHeaders::httpDate()
{
    QFETCH(QByteArray, value);
    QFETCH(QString, expected);
    const QDateTime parsed = http::parseHttpDate(value);
    if (expected.isEmpty()) {
        QVERIFY(!parsed.isValid());
        return;
    }
    QVERIFY(parsed.isValid());
    QCOMPARE(parsed.toUTC().toString(Qt::ISODate), expected);
}

void TestHttpHeaders::retryAfter_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("expectedMs"); // -1: refused
    QTest::newRow("seconds") << "120"_ba << qint64(120'000);
    QTest::newRow("zero") << "0"_ba << qint64(0);
    QTest::newRow("date 30 s ahead") << "Mon, 01 Jan 2024 00:00:30 GMT"_ba << qint64(30'000);
    QTest::newRow("date in the past") << "Sun, 31 Dec 2023 23:00:00 GMT"_ba << qint64(0);
    QTest::newRow("negative") << "-3"_ba << qint64(-1);
    QTest::newRow("garbage") << "later"_ba << qint64(-1);
}

void TestHttpHeaders::retryAfter()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, expectedMs);
    const QDateTime now = QDateTime::fromString(u"2024-01-01T00:00:00Z"_s, Qt::ISODate);
    const auto parsed = http::parseRetryAfter(value, now);
    QCOMPARE(parsed.has_value(), expectedMs >= 0);
    if (parsed)
        QCOMPARE(parsed->count(), expectedMs);
}

void TestHttpHeaders::strongEtag_data()
{
    QTest::addColumn<QByteArray>("etag");
    QTest::addColumn<bool>("strong");
    QTest::newRow("strong") << "\"abc\""_ba << true;
    QTest::newRow("weak") << "W/\"abc\""_ba << false;
    QTest::newRow("unquoted") << "abc"_ba << false;
    QTest::newRow("empty") << ""_ba << false;
}

void TestHttpHeaders::strongEtag()
{
    QFETCH(QByteArray, etag);
    QFETCH(bool, strong);
    QCOMPARE(http::isStrongEtag(etag), strong);
}

void TestHttpHeaders::etagsMatchWeakly_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("match");
    QTest::newRow("same strong") << "\"x\""_ba
                                 << "\"x\""_ba << true;
    QTest::newRow("same weak") << "W/\"x\""_ba
                               << "W/\"x\""_ba << true;
    QTest::newRow("weak and strong of one tag") << "W/\"x\""_ba
                                                << "\"x\""_ba << true;
    QTest::newRow("different weak") << "W/\"x\""_ba
                                    << "W/\"y\""_ba << false;
    QTest::newRow("different strong") << "\"x\""_ba
                                      << "\"y\""_ba << false;
    QTest::newRow("one not sent") << "\"x\""_ba
                                  << ""_ba << true;
}

void TestHttpHeaders::etagsMatchWeakly()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, match);
    QCOMPARE(http::etagsMatchWeakly(a, b), match);
    QCOMPARE(http::etagsMatchWeakly(b, a), match);
}

QTEST_GUILESS_MAIN(TestHttpHeaders)
#include "tst_httpheaders.moc"
