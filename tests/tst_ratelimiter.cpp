#include "ratelimiter.h"

#include <QElapsedTimer>
#include <QTest>

using heiko::RateLimiter;

class TestRateLimiter final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unlimitedGrantsEverything();
    void readerThatNeverWaitsGetsSlicesNotCrumbs_data();
    void readerThatNeverWaitsGetsSlicesNotCrumbs();
    void smallRequestIsGrantedWhole();
    void emptyBucketSaysHowLongToWait();
    void lowerRateCapsTheBurst();
};

void TestRateLimiter::unlimitedGrantsEverything()
{
    RateLimiter limiter(0);
    qint64 waitMs = -1;
    QCOMPARE(limiter.acquire(1 << 30, &waitMs), qint64(1) << 30);
    QCOMPARE(waitMs, 0);
}

void TestRateLimiter::readerThatNeverWaitsGetsSlicesNotCrumbs_data()
{
    QTest::addColumn<qint64>("rate");
    QTest::addColumn<qint64>("slice"); // a hundredth of a second's worth, at least 16 KiB or the whole burst
    QTest::newRow("8 MiB/s: a hundredth of a second") << qint64(8 << 20) << qint64((8 << 20) / 100);
    QTest::newRow("512 KiB/s: 16 KiB") << qint64(512 << 10) << qint64(16 << 10);
    QTest::newRow("10 KiB/s: the burst, a tenth of a second") << qint64(10 << 10) << qint64(1 << 10);
}

void TestRateLimiter::readerThatNeverWaitsGetsSlicesNotCrumbs()
{
    // A reader that comes straight back after every grant (a read and a write take a few microseconds, in
    // which a few bytes accrue) must be granted a slice at a time and told to wait in between, not a few
    // bytes per call: that spun a core for the whole of a speed-limited download. Nor is a slow limit read
    // in crumbs a hundred times a second. The limit still holds over the span.
    QFETCH(qint64, rate);
    QFETCH(qint64, slice);
    RateLimiter limiter(rate);
    QElapsedTimer elapsed;
    elapsed.start();
    qint64 total = 0;
    qint64 smallest = std::numeric_limits<qint64>::max();
    int grants = 0;
    int waits = 0;
    while (elapsed.elapsed() < 300) {
        qint64 waitMs = 0;
        const qint64 granted = limiter.acquire(1024 * 1024, &waitMs);
        if (granted > 0) {
            ++grants;
            total += granted;
            smallest = qMin(smallest, granted);
        } else {
            ++waits;
            QVERIFY(waitMs >= 1);
        }
    }
    const double seconds = double(elapsed.nsecsElapsed()) / 1e9;
    QVERIFY2(smallest >= slice, qPrintable(QString::number(smallest)));
    QVERIFY(waits > 0);
    // At most the first burst (a tenth of a second's worth) and one slice per slice's worth of time.
    QVERIFY2(grants <= 2 + int(seconds * double(rate) / double(slice)), qPrintable(QString::number(grants)));
    QVERIFY2(total <= rate / 10 + qint64(seconds * double(rate)) + slice, qPrintable(QString::number(total)));
}

void TestRateLimiter::smallRequestIsGrantedWhole()
{
    // Less than a slice wanted (the end of a piece, a few bytes that arrived): granted whole once there is
    // that much, not refused until a slice has accrued.
    RateLimiter limiter(1000 * 1000);
    qint64 waitMs = 0;
    QCOMPARE(limiter.acquire(1000 * 1000, &waitMs), qint64(100 * 1000)); // the burst
    const qint64 granted = limiter.acquire(10, &waitMs); // 10 bytes accrue in 10 microseconds
    if (granted == 0)
        QCOMPARE(waitMs, 1); // not the 10 ms a whole slice would take
    else
        QCOMPARE(granted, qint64(10));
}

void TestRateLimiter::emptyBucketSaysHowLongToWait()
{
    RateLimiter limiter(100 * 1000); // a slice is the whole burst: 10,000 bytes, a tenth of a second
    qint64 waitMs = 0;
    QCOMPARE(limiter.acquire(1 << 20, &waitMs), qint64(10 * 1000)); // the burst
    QCOMPARE(limiter.acquire(1 << 20, &waitMs), qint64(0));
    QVERIFY2(waitMs >= 90 && waitMs <= 100, qPrintable(QString::number(waitMs)));
}

void TestRateLimiter::lowerRateCapsTheBurst()
{
    RateLimiter limiter(10 * 1000 * 1000);
    limiter.setRate(100 * 1000);
    QCOMPARE(limiter.rate(), qint64(100 * 1000));
    qint64 waitMs = 0;
    QVERIFY(limiter.acquire(1 << 20, &waitMs) <= 10 * 1000); // a tenth of a second at the new rate
}

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
