#include "units.h"

#include <QTest>

using namespace Qt::StringLiterals;
namespace units = heiko::units;

class TestUnits final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formatBytes_data();
    void formatBytes();
    void formatSpeed();
    void formatDuration_data();
    void formatDuration();
    void rateAsKiB_data();
    void rateAsKiB();
    void rateFromFieldKeepsWhatItShows();
};

void TestUnits::formatBytes_data()
{
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("text");
    QTest::newRow("unknown") << qint64(-1) << u"?"_s;
    QTest::newRow("zero") << qint64(0) << u"0 B"_s;
    QTest::newRow("999 B") << qint64(999) << u"999 B"_s;
    QTest::newRow("1.5 kB") << qint64(1500) << u"1.50 kB"_s;
    QTest::newRow("100 KB") << qint64(100'000) << u"100.0 kB"_s;
    QTest::newRow("just under a megabyte") << qint64(999'960) << u"1.00 MB"_s;
    QTest::newRow("200 MB") << qint64(200'000'000) << u"200.0 MB"_s;
    QTest::newRow("4.3 GB") << qint64(4'300'000'000) << u"4.30 GB"_s;
    QTest::newRow("petabytes") << qint64(5) * 1000 * 1000 * 1000 * 1000 * 1000 << u"5.00 PB"_s;
    QTest::newRow("beyond petabytes") << std::numeric_limits<qint64>::max() << u"9223.4 PB"_s;
}

void TestUnits::formatBytes()
{
    QFETCH(qint64, bytes);
    QFETCH(QString, text);
    QCOMPARE(units::formatBytes(bytes), text);
}

void TestUnits::formatSpeed()
{
    QCOMPARE(units::formatSpeed(12'345'678.9), u"12.3 MB/s"_s);
    QCOMPARE(units::formatSpeed(0), u"0 B/s"_s);
}

void TestUnits::formatDuration_data()
{
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("unknown") << qint64(-1) << u"-"_s;
    QTest::newRow("seconds") << qint64(42) << u"42s"_s;
    QTest::newRow("minutes") << qint64(185) << u"3m05s"_s;
    QTest::newRow("hours") << qint64(7260) << u"2h01m"_s;
    QTest::newRow("just under a day") << qint64(86'399) << u"23h59m"_s;
    QTest::newRow("days") << qint64(10 * 86'400 + 3 * 3600 + 59) << u"10d03h"_s;
}

void TestUnits::formatDuration()
{
    QFETCH(qint64, seconds);
    QFETCH(QString, text);
    QCOMPARE(units::formatDuration(seconds), text);
}

void TestUnits::rateAsKiB_data()
{
    QTest::addColumn<qint64>("bytesPerSecond");
    QTest::addColumn<int>("kib");
    QTest::newRow("none") << qint64(0) << 0;
    QTest::newRow("below 1 KiB/s shows as 1, not as none") << qint64(500) << 1;
    QTest::newRow("whole KiB") << qint64(300 * 1024) << 300;
    QTest::newRow("rounded down") << qint64(300 * 1024 + 1000) << 300;
    QTest::newRow("beyond the field") << qint64(20'000) * 1024 << 10'000;
}

void TestUnits::rateAsKiB()
{
    QFETCH(qint64, bytesPerSecond);
    QFETCH(int, kib);
    QCOMPARE(units::rateAsKiB(bytesPerSecond, 10'000), kib);
}

void TestUnits::rateFromFieldKeepsWhatItShows()
{
    // A field still showing what rateAsKiB() made of the limit keeps it exactly; a changed one sets KiB/s.
    QCOMPARE(units::rateFromField(1, 10'000, 500), qint64(500));
    QCOMPARE(units::rateFromField(10'000, 10'000, qint64(20'000) * 1024), qint64(20'000) * 1024);
    QCOMPARE(units::rateFromField(2, 10'000, 500), qint64(2048));
    QCOMPARE(units::rateFromField(0, 10'000, 500), qint64(0));
    QCOMPARE(units::rateFromField(300, 10'000, 0), qint64(300 * 1024));
}

QTEST_GUILESS_MAIN(TestUnits)
#include "tst_units.moc"
