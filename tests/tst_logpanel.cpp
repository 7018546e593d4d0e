#include "logfilterproxy.h"
#include "loghub.h"
#include "logmodel.h"
#include "logpanel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QThread>
#include <QToolButton>
#include <QWheelEvent>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using heiko::LogHub;
using heiko::LogLevel;
using heiko::LogRecord;
using heiko::SourceLocation;

namespace {

// Writes `count` records "<prefix> <i>" on a thread of its own.
std::unique_ptr<QThread> startWriter(LogHub &hub, int count, const QString &prefix,
                                     LogLevel level = LogLevel::Info)
{
    std::unique_ptr<QThread> thread(QThread::create([&hub, count, prefix, level] {
        for (int i = 1; i <= count; ++i)
            hub.write(level, HEIKO_HERE, -1, prefix + u' ' + QString::number(i));
    }));
    thread->start();
    return thread;
}

void writeMany(LogHub &hub, int count, int downloadId = -1)
{
    for (int i = 0; i < count; ++i)
        hub.info(HEIKO_HERE, u"record %1"_s.arg(hub.lastSequence() + 1), downloadId);
}

qint64 lastSequenceIn(const LogModel &model)
{
    return model.rowCount() > 0 ? model.recordAt(model.rowCount() - 1).sequence : 0;
}

QList<qint64> proxySequences(const LogFilterProxy &proxy)
{
    QList<qint64> sequences;
    for (int row = 0; row < proxy.rowCount(); ++row)
        sequences.append(proxy.recordAt(row).sequence);
    return sequences;
}

bool clipboardWorks()
{
    QClipboard *clipboard = QGuiApplication::clipboard();
    if (!clipboard)
        return false;
    clipboard->setText(u"heiko clipboard probe"_s);
    return clipboard->text() == u"heiko clipboard probe"_s;
}

enum class UserScroll { TriggerAction, DragSlider, Wheel, KeyCtrlHome, ClickRow };

} // namespace

Q_DECLARE_METATYPE(LogLevel)
Q_DECLARE_METATYPE(UserScroll)

class TestLogPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void backlogThenLiveRecords();
    void recordLoggedFromASlotDoesNotReenter();
    void modelTesterWhileStreaming();
    void capKeepsTheNewest_data();
    void capKeepsTheNewest();
    void filters_data();
    void filters();
    void filterAppliesToAppendedRows();
    void threadColours();
    void firstTwelveThreadsGetTwelveColours();
    void warningsAndErrorsAreMarked();
    void followTailScrollsToTheBottom();
    void userScrollPausesFollowing_data();
    void userScrollPausesFollowing();
    void scrollingBackDownResumes();
    void toggleResumesAndScrolls();
    void pausedViewKeepsItsRowsWhenTheOldestDrop();
    void pausedViewKeepsItsRowsAcrossFilterChanges();
    void evictingTheCurrentRowKeepsFollowing();
    void focusingTheViewKeepsFollowing();
    void copyPutsSelectedRecordsOnTheClipboard_data();
    void copyPutsSelectedRecordsOnTheClipboard();
    void clearEmptiesTheView();
    void toolRowDrivesTheProxy();
    void fourThreadsLoseNothing();
    void fullFollowingPanelKeepsUp();
};

void TestLogPanel::backlogThenLiveRecords()
{
    LogHub hub;
    hub.info(HEIKO_HERE, u"before"_s);
    LogModel model(hub);
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 1); // the backlog is there at once
    QCOMPARE(model.recordAt(0).message, u"before"_s);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy appended(&model, &LogModel::recordsAppended);
    for (int i = 0; i < 50; ++i)
        hub.info(HEIKO_HERE, u"after"_s);
    QCOMPARE(model.rowCount(), 1); // queued even when written on this thread
    QTRY_COMPARE(model.rowCount(), 51);
    QCOMPARE(inserted.size(), 1); // one batch, not fifty signals
    QCOMPARE(appended.size(), 1);
    QCOMPARE(appended.first().first().toInt(), 50);
}

void TestLogPanel::recordLoggedFromASlotDoesNotReenter()
{
    LogHub hub;
    LogModel model(hub);
    QAbstractItemModelTester tester(&model);
    int insertions = 0;
    int depth = 0;
    int maxDepth = 0;
    connect(&model, &QAbstractItemModel::rowsAboutToBeInserted, &model, [&] {
        maxDepth = qMax(maxDepth, ++depth);
        // A slot reacting to the model logs something on the GUI thread (or Qt warns, through the hub) while
        // the insertion is open.
        if (++insertions == 1)
            hub.warning(HEIKO_HERE, u"logged while the view updates"_s);
    });
    connect(&model, &QAbstractItemModel::rowsInserted, &model, [&] { --depth; });
    hub.info(HEIKO_HERE, u"first"_s);
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(maxDepth, 1);
    QCOMPARE(insertions, 2);
    QCOMPARE(model.recordAt(1).message, u"logged while the view updates"_s);
}

void TestLogPanel::modelTesterWhileStreaming()
{
    LogHub hub;
    hub.setMinimumLevel(LogLevel::Debug);
    LogModel model(hub, 300);
    QAbstractItemModelTester modelTester(&model);
    LogFilterProxy proxy;
    QAbstractItemModelTester proxyTester(&proxy);
    proxy.setSourceModel(&model);

    std::vector<std::unique_ptr<QThread>> writers;
    writers.push_back(startWriter(hub, 1500, u"info"_s, LogLevel::Info));
    writers.push_back(startWriter(hub, 1500, u"warn"_s, LogLevel::Warning));
    // Change the filters while records stream in.
    int round = 0;
    const auto allFinished = [&writers] {
        for (const auto &writer : writers) {
            if (!writer->isFinished())
                return false;
        }
        return true;
    };
    while (!allFinished() || round < 20) {
        proxy.setMinimumLevel(round % 3 == 0 ? LogLevel::Warning : LogLevel::Debug);
        proxy.setTextFilter(round % 2 ? u"1"_s : QString());
        proxy.setDownloadIds(round % 5 == 4 ? QSet<int> { 7 } : QSet<int> {});
        QCoreApplication::processEvents();
        ++round;
    }
    for (const auto &writer : writers)
        QVERIFY(writer->wait(30'000));
    QTRY_COMPARE(lastSequenceIn(model), hub.lastSequence());
    QCOMPARE(model.rowCount(), 300);

    proxy.setMinimumLevel(LogLevel::Warning);
    proxy.setTextFilter(u"WARN 1"_s);
    proxy.setDownloadIds({});
    QList<qint64> expected;
    for (int row = 0; row < model.rowCount(); ++row) {
        const LogRecord &record = model.recordAt(row);
        if (record.level >= LogLevel::Warning && record.message.startsWith(u"warn 1"_s))
            expected.append(record.sequence);
    }
    QCOMPARE(proxySequences(proxy), expected);
}

void TestLogPanel::capKeepsTheNewest_data()
{
    QTest::addColumn<int>("batch");
    QTest::newRow("one batch of 60,000") << 60'000;
    QTest::newRow("two of 30,000") << 30'000;
    QTest::newRow("batches of 7,000") << 7'000;
}

void TestLogPanel::capKeepsTheNewest()
{
    QFETCH(int, batch);
    LogHub hub(100'000);
    LogModel model(hub, 50'000);
    QAbstractItemModelTester tester(&model);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    int batches = 0;
    for (int written = 0; written < 60'000; written += batch) {
        writeMany(hub, qMin(batch, 60'000 - written));
        QTRY_COMPARE(lastSequenceIn(model), hub.lastSequence());
        ++batches;
    }
    QCOMPARE(model.rowCount(), 50'000);
    QCOMPARE(model.recordAt(0).sequence, 10'001);
    QCOMPARE(model.recordAt(0).message, u"record 10001"_s);
    QCOMPARE(model.recordAt(49'999).sequence, 60'000);
    QVERIFY(removed.size() <= batches); // at most one removal per batch
}

void TestLogPanel::filters_data()
{
    // Records (see filters()): 1 Debug "alpha connecting" fetcher.cpp:11 dl 1; 2 Info "Beta finished"
    // parser.cpp:22 dl 2; 3 Warning "gamma slow server" fetcher.cpp:33 dl 1; 4 Error "delta HTTP 404"
    // writer.cpp:44 dl 3; 5 Info "epsilon" parser.cpp:55 no download; 6 Info "zeta" from a worker thread.
    QTest::addColumn<LogLevel>("level");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QSet<int>>("ids");
    QTest::addColumn<QList<qint64>>("expected");
    const QSet<int> all;
    QTest::newRow("everything") << LogLevel::Debug << QString() << all << QList<qint64> { 1, 2, 3, 4, 5, 6 };
    QTest::newRow("info and up") << LogLevel::Info << QString() << all << QList<qint64> { 2, 3, 4, 5, 6 };
    QTest::newRow("warning and up") << LogLevel::Warning << QString() << all << QList<qint64> { 3, 4 };
    QTest::newRow("errors") << LogLevel::Error << QString() << all << QList<qint64> { 4 };
    QTest::newRow("text ignores case") << LogLevel::Debug << u"BETA"_s << all << QList<qint64> { 2 };
    QTest::newRow("text inside a message") << LogLevel::Debug << u"http 4"_s << all << QList<qint64> { 4 };
    QTest::newRow("text in the source file")
        << LogLevel::Debug << u"Fetcher"_s << all << QList<qint64> { 1, 3 };
    QTest::newRow("text in the source line")
        << LogLevel::Debug << u"parser.cpp:55"_s << all << QList<qint64> { 5 };
    QTest::newRow("text matches the worker's thread id")
        << LogLevel::Debug << u"<worker thread>"_s << all << QList<qint64> { 6 };
    QTest::newRow("text matches nothing") << LogLevel::Debug << u"omega"_s << all << QList<qint64> {};
    QTest::newRow("one download") << LogLevel::Debug << QString() << QSet<int> { 1 }
                                  << QList<qint64> { 1, 3 };
    QTest::newRow("two downloads") << LogLevel::Debug << QString() << QSet<int> { 1, 3 }
                                   << QList<qint64> { 1, 3, 4 };
    QTest::newRow("download and level")
        << LogLevel::Warning << QString() << QSet<int> { 1 } << QList<qint64> { 3 };
    QTest::newRow("download and text")
        << LogLevel::Debug << u"alpha"_s << QSet<int> { 1, 2 } << QList<qint64> { 1 };
    QTest::newRow("download without records")
        << LogLevel::Debug << QString() << QSet<int> { 9 } << QList<qint64> {};
}

void TestLogPanel::filters()
{
    QFETCH(LogLevel, level);
    QFETCH(QString, text);
    QFETCH(QSet<int>, ids);
    QFETCH(QList<qint64>, expected);

    LogHub hub;
    hub.setMinimumLevel(LogLevel::Debug);
    hub.write(LogLevel::Debug, SourceLocation { "fetcher.cpp", 11 }, 1, u"alpha connecting"_s);
    hub.write(LogLevel::Info, SourceLocation { "parser.cpp", 22 }, 2, u"Beta finished"_s);
    hub.write(LogLevel::Warning, SourceLocation { "fetcher.cpp", 33 }, 1, u"gamma slow server"_s);
    hub.write(LogLevel::Error, SourceLocation { "writer.cpp", 44 }, 3, u"delta HTTP 404"_s);
    hub.write(LogLevel::Info, SourceLocation { "parser.cpp", 55 }, -1, u"epsilon"_s);
    std::unique_ptr<QThread> worker(QThread::create([&hub] {
        hub.write(LogLevel::Info, SourceLocation { "worker.cpp", 66 }, -1, u"zeta"_s);
    }));
    worker->start();
    QVERIFY(worker->wait(10'000));

    LogModel model(hub);
    QAbstractItemModelTester modelTester(&model);
    LogFilterProxy proxy;
    QAbstractItemModelTester proxyTester(&proxy);
    proxy.setSourceModel(&model);
    QCOMPARE(proxy.rowCount(), 6);
    if (text == u"<worker thread>"_s) {
        text = QString::number(model.recordAt(5).threadId);
        QVERIFY(model.recordAt(5).threadId != model.recordAt(0).threadId);
    }

    proxy.setMinimumLevel(level);
    proxy.setTextFilter(text);
    proxy.setDownloadIds(ids);
    QCOMPARE(proxySequences(proxy), expected);

    // Lifting the filters brings every row back.
    proxy.setMinimumLevel(LogLevel::Debug);
    proxy.setTextFilter({});
    proxy.setDownloadIds({});
    QCOMPARE(proxy.rowCount(), 6);
}

void TestLogPanel::filterAppliesToAppendedRows()
{
    LogHub hub;
    LogModel model(hub);
    QAbstractItemModelTester modelTester(&model);
    LogFilterProxy proxy;
    QAbstractItemModelTester proxyTester(&proxy);
    proxy.setSourceModel(&model);
    proxy.setMinimumLevel(LogLevel::Warning);
    proxy.setDownloadIds({ 4 });
    hub.info(HEIKO_HERE, u"info of 4"_s, 4);
    hub.warning(HEIKO_HERE, u"warning of 4"_s, 4);
    hub.warning(HEIKO_HERE, u"warning of 5"_s, 5);
    hub.error(HEIKO_HERE, u"error of 4"_s, 4);
    QTRY_COMPARE(model.rowCount(), 4);
    QCOMPARE(proxy.rowCount(), 2);
    QCOMPARE(proxy.recordAt(0).message, u"warning of 4"_s);
    QCOMPARE(proxy.recordAt(1).message, u"error of 4"_s);
}

void TestLogPanel::threadColours()
{
    LogHub hub;
    hub.info(HEIKO_HERE, u"main 1"_s);
    std::unique_ptr<QThread> first = startWriter(hub, 2, u"first"_s);
    QVERIFY(first->wait(10'000));
    std::unique_ptr<QThread> second = startWriter(hub, 2, u"second"_s);
    QVERIFY(second->wait(10'000));
    hub.info(HEIKO_HERE, u"main 2"_s);
    LogModel model(hub);
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 6);

    const auto colour = [&model](int row, int column, int role) {
        return model.data(model.index(row, column), role);
    };
    // The main thread has no colour.
    for (const int row : { 0, 5 }) {
        QVERIFY(!colour(row, LogModel::Thread, Qt::DecorationRole).isValid());
        QVERIFY(!colour(row, LogModel::Message, Qt::BackgroundRole).isValid());
        QVERIFY(!model.threadColor(model.recordAt(row).threadId).isValid());
    }
    // Each worker has one colour, on the swatch and the row tint alike, and the two differ.
    const QColor firstColour = colour(1, LogModel::Thread, Qt::DecorationRole).value<QColor>();
    const QColor secondColour = colour(3, LogModel::Thread, Qt::DecorationRole).value<QColor>();
    QVERIFY(firstColour.isValid());
    QVERIFY(secondColour.isValid());
    QVERIFY(firstColour != secondColour);
    QCOMPARE(colour(2, LogModel::Thread, Qt::DecorationRole).value<QColor>(), firstColour);
    QCOMPARE(colour(4, LogModel::Thread, Qt::DecorationRole).value<QColor>(), secondColour);
    QCOMPARE(model.threadColor(model.recordAt(1).threadId), firstColour);
    for (const int column : { int(LogModel::Time), int(LogModel::Message) }) {
        QCOMPARE(colour(1, column, Qt::BackgroundRole).value<QColor>().rgb(), firstColour.rgb());
        QCOMPARE(colour(2, column, Qt::BackgroundRole).value<QColor>().rgb(), firstColour.rgb());
        QCOMPARE(colour(3, column, Qt::BackgroundRole).value<QColor>().rgb(), secondColour.rgb());
    }
    // Clearing keeps the assignment: a thread keeps its colour for the life of the model.
    model.clear();
    QCOMPARE(model.threadColor(model.mainThreadId()), QColor());
    std::unique_ptr<QThread> third = startWriter(hub, 1, u"third"_s);
    QVERIFY(third->wait(10'000));
    QTRY_COMPARE(model.rowCount(), 1);
    const QColor thirdColour = colour(0, LogModel::Thread, Qt::DecorationRole).value<QColor>();
    QVERIFY(thirdColour.isValid());
    QVERIFY(thirdColour != firstColour);
    QVERIFY(thirdColour != secondColour);
}

void TestLogPanel::firstTwelveThreadsGetTwelveColours()
{
    LogHub hub;
    for (int i = 0; i < 12; ++i) {
        std::unique_ptr<QThread> writer = startWriter(hub, 1, u"worker"_s);
        QVERIFY(writer->wait(10'000));
    }
    LogModel model(hub);
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 12);
    QSet<QRgb> colours;
    QSet<quint64> threads;
    for (int row = 0; row < 12; ++row) {
        threads.insert(model.recordAt(row).threadId);
        colours.insert(
            model.data(model.index(row, LogModel::Thread), Qt::DecorationRole).value<QColor>().rgb());
    }
    if (threads.size() < 12)
        QSKIP("the OS reused a thread id");
    QCOMPARE(colours.size(), 12);
    QCOMPARE(LogModel::threadPalette().size(), 12);
}

void TestLogPanel::warningsAndErrorsAreMarked()
{
    LogHub hub;
    hub.info(HEIKO_HERE, u"fine"_s);
    hub.warning(HEIKO_HERE, u"hmm"_s);
    hub.error(HEIKO_HERE, u"bad"_s);
    LogModel model(hub);
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 3);
    const auto foreground = [&model](int row, int column) {
        return model.data(model.index(row, column), Qt::ForegroundRole).value<QColor>();
    };
    QVERIFY(!model.data(model.index(0, LogModel::Level), Qt::ForegroundRole).isValid());
    QVERIFY(!model.data(model.index(0, LogModel::Level), Qt::FontRole).isValid());
    QVERIFY(foreground(1, LogModel::Level).isValid());
    QVERIFY(foreground(2, LogModel::Level).isValid());
    QVERIFY(foreground(1, LogModel::Level) != foreground(2, LogModel::Level));
    QCOMPARE(foreground(2, LogModel::Message), foreground(2, LogModel::Level));
    QVERIFY(model.data(model.index(1, LogModel::Level), Qt::FontRole).value<QFont>().bold());
    QVERIFY(model.data(model.index(2, LogModel::Level), Qt::FontRole).value<QFont>().bold());
    QCOMPARE(model.data(model.index(2, LogModel::Level)).toString(), u"ERROR"_s);
    QCOMPARE(model.data(model.index(2, LogModel::Message)).toString(), u"bad"_s);
    QCOMPARE(model.data(model.index(2, 0), LogModel::LevelRole).toInt(), int(LogLevel::Error));
}

namespace {

struct ShownPanel
{
    explicit ShownPanel(LogHub &hub, int maxRows = 50'000)
        : panel(hub, nullptr, maxRows)
        , modelTester(panel.model())
        , proxyTester(panel.proxy())
    {
        panel.resize(800, 300);
        panel.show();
    }
    QScrollBar *bar() const { return panel.view()->verticalScrollBar(); }
    bool atBottom() const { return bar()->maximum() > 0 && bar()->value() == bar()->maximum(); }
    // The view lays out new rows on a zero timer; in per-item mode the range plus a page is the row count.
    bool laidOut() const
    {
        return panel.proxy()->rowCount() > 0
            && bar()->maximum() + bar()->pageStep() == panel.proxy()->rowCount();
    }

    LogPanel panel;
    QAbstractItemModelTester modelTester;
    QAbstractItemModelTester proxyTester;
};

} // namespace

void TestLogPanel::followTailScrollsToTheBottom()
{
    LogHub hub;
    ShownPanel shown(hub);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    QVERIFY(shown.panel.isFollowing());
    QSignalSpy values(shown.bar(), &QScrollBar::valueChanged);
    for (int batch = 1; batch <= 3; ++batch) {
        writeMany(hub, 200);
        QTRY_COMPARE(shown.panel.model()->rowCount(), 200 * batch);
        QVERIFY(shown.atBottom());
        QCOMPARE(shown.panel.view()->rowAt(shown.panel.view()->viewport()->height() - 1), 200 * batch - 1);
    }
    QVERIFY(values.size() <= 3); // once per batch, not per row
    QVERIFY(shown.panel.isFollowing());
    QVERIFY(shown.panel.findChild<QToolButton *>(u"followButton"_s)->isChecked());
}

void TestLogPanel::userScrollPausesFollowing_data()
{
    QTest::addColumn<UserScroll>("action");
    QTest::newRow("scroll bar action") << UserScroll::TriggerAction;
    QTest::newRow("slider drag") << UserScroll::DragSlider;
    QTest::newRow("mouse wheel") << UserScroll::Wheel;
    QTest::newRow("Ctrl+Home") << UserScroll::KeyCtrlHome;
    QTest::newRow("click on a row") << UserScroll::ClickRow;
}

void TestLogPanel::userScrollPausesFollowing()
{
    QFETCH(UserScroll, action);
    LogHub hub;
    ShownPanel shown(hub);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    QSignalSpy followingChanged(&shown.panel, &LogPanel::followingChanged);
    writeMany(hub, 300);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 300);
    QVERIFY(shown.atBottom());

    QTableView *view = shown.panel.view();
    switch (action) {
    case UserScroll::TriggerAction:
        shown.bar()->triggerAction(QAbstractSlider::SliderToMinimum);
        break;
    case UserScroll::DragSlider:
        shown.bar()->setSliderPosition(100); // what dragging the handle does
        break;
    case UserScroll::Wheel: {
        const QPoint where = view->viewport()->rect().center();
        QWheelEvent wheel(where, view->viewport()->mapToGlobal(where), QPoint(), QPoint(0, 120 * 3),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(view->viewport(), &wheel);
        break;
    }
    case UserScroll::KeyCtrlHome:
        view->setFocus();
        QTest::keyClick(view, Qt::Key_Home, Qt::ControlModifier);
        break;
    case UserScroll::ClickRow:
        // The third row from the top of the view.
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                          QPoint(20, view->verticalHeader()->defaultSectionSize() * 5 / 2));
        break;
    }
    QVERIFY(!shown.panel.isFollowing());
    QVERIFY(!shown.panel.findChild<QToolButton *>(u"followButton"_s)->isChecked());
    QCOMPARE(followingChanged.size(), 1);
    QCOMPARE(followingChanged.first().first().toBool(), false);
    const int value = shown.bar()->value();
    const int middle = view->viewport()->height() / 2;
    const qint64 middleRecord = shown.panel.proxy()->recordAt(view->rowAt(middle)).sequence;

    writeMany(hub, 300);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 600);
    QTRY_VERIFY(shown.laidOut());
    QCOMPARE(shown.bar()->value(), value); // stays put
    // (At the very bottom Qt aligns the last row with the bottom edge, so the rows may move by a fraction of
    // a row once more arrive below; the record in the middle stays in the middle.)
    QVERIFY(qAbs(shown.panel.proxy()->recordAt(view->rowAt(middle)).sequence - middleRecord) <= 1);
    QVERIFY(!shown.panel.isFollowing());
}

void TestLogPanel::scrollingBackDownResumes()
{
    LogHub hub;
    ShownPanel shown(hub);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    writeMany(hub, 300);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 300);
    shown.bar()->triggerAction(QAbstractSlider::SliderToMinimum);
    QVERIFY(!shown.panel.isFollowing());
    shown.bar()->triggerAction(QAbstractSlider::SliderPageStepAdd); // down, but not to the bottom
    QVERIFY(!shown.panel.isFollowing());
    shown.bar()->triggerAction(QAbstractSlider::SliderToMaximum);
    QVERIFY(shown.panel.isFollowing());
    QVERIFY(shown.panel.findChild<QToolButton *>(u"followButton"_s)->isChecked());
    writeMany(hub, 100);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 400);
    QVERIFY(shown.atBottom());
}

void TestLogPanel::toggleResumesAndScrolls()
{
    LogHub hub;
    ShownPanel shown(hub);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    auto *follow = shown.panel.findChild<QToolButton *>(u"followButton"_s);
    QVERIFY(follow);
    writeMany(hub, 100);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 100);
    QVERIFY(shown.atBottom());
    follow->click(); // uncheck: paused where it is
    QVERIFY(!shown.panel.isFollowing());
    writeMany(hub, 200);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 300);
    QTRY_VERIFY(shown.laidOut());
    QVERIFY(!shown.atBottom());
    follow->click(); // check: back to the bottom at once
    QVERIFY(shown.panel.isFollowing());
    QVERIFY(shown.atBottom());
}

void TestLogPanel::pausedViewKeepsItsRowsWhenTheOldestDrop()
{
    LogHub hub;
    ShownPanel shown(hub, 500);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    writeMany(hub, 500);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 500);
    shown.bar()->setSliderPosition(200);
    QVERIFY(!shown.panel.isFollowing());
    QTableView *view = shown.panel.view();
    const qint64 topRecord = shown.panel.proxy()->recordAt(view->rowAt(0)).sequence;
    QCOMPARE(topRecord, 201);

    writeMany(hub, 150); // the 150 oldest go
    QTRY_COMPARE(lastSequenceIn(*shown.panel.model()), 650);
    QCOMPARE(shown.panel.model()->rowCount(), 500);
    QCOMPARE(shown.panel.proxy()->recordAt(view->rowAt(0)).sequence, topRecord);
    QCOMPARE(shown.bar()->value(), 50);

    writeMany(hub, 300); // now the top row itself goes: the view shows the oldest left
    QTRY_COMPARE(lastSequenceIn(*shown.panel.model()), 950);
    QCOMPARE(shown.bar()->value(), 0);
    QCOMPARE(shown.panel.proxy()->recordAt(view->rowAt(0)).sequence, 451);
    QVERIFY(!shown.panel.isFollowing());
}

void TestLogPanel::pausedViewKeepsItsRowsAcrossFilterChanges()
{
    LogHub hub;
    for (int i = 1; i <= 400; ++i)
        hub.write(i % 2 ? LogLevel::Info : LogLevel::Warning, HEIKO_HERE, -1, u"record %1"_s.arg(i));
    ShownPanel shown(hub);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    QTRY_VERIFY(shown.laidOut());
    shown.bar()->setSliderPosition(201);
    QVERIFY(!shown.panel.isFollowing());
    QTableView *view = shown.panel.view();
    const auto topRecord = [&] {
        return shown.panel.proxy()->recordAt(view->rowAt(0)).sequence;
    };
    QCOMPARE(topRecord(), 202);

    auto *level = shown.panel.findChild<QComboBox *>(u"levelCombo"_s);
    level->setCurrentIndex(level->findData(int(LogLevel::Warning))); // the rows above halve
    QCOMPARE(shown.panel.proxy()->rowCount(), 200);
    QCOMPARE(topRecord(), 202);
    level->setCurrentIndex(level->findData(int(LogLevel::Debug))); // and come back
    QCOMPARE(shown.panel.proxy()->rowCount(), 400);
    QCOMPARE(topRecord(), 202);

    // When the top row itself is filtered out, the next one that stays takes its place.
    shown.bar()->setSliderPosition(200);
    QCOMPARE(topRecord(), 201);
    level->setCurrentIndex(level->findData(int(LogLevel::Warning)));
    QCOMPARE(topRecord(), 202);
    QVERIFY(!shown.panel.isFollowing());
}

void TestLogPanel::evictingTheCurrentRowKeepsFollowing()
{
    LogHub hub;
    ShownPanel shown(hub, 200);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    writeMany(hub, 200);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 200);
    QTableView *view = shown.panel.view();
    view->setCurrentIndex(shown.panel.proxy()->index(0, 0)); // scrolls to the top and pauses
    QVERIFY(!shown.panel.isFollowing());
    shown.panel.setFollowing(true);
    QVERIFY(shown.atBottom());

    // The current row is the oldest; dropping it moves the current row in Qt's selection model, which scrolls
    // the view. That is not the user's doing.
    writeMany(hub, 50);
    QTRY_COMPARE(lastSequenceIn(*shown.panel.model()), 250);
    QVERIFY(shown.panel.isFollowing());
    QVERIFY(shown.atBottom());
}

void TestLogPanel::focusingTheViewKeepsFollowing()
{
    LogHub hub;
    ShownPanel shown(hub);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    auto *search = shown.panel.findChild<QLineEdit *>(u"searchEdit"_s);
    search->setFocus();
    shown.panel.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&shown.panel));
    QTRY_VERIFY(search->hasFocus());
    writeMany(hub, 300);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 300);
    QVERIFY(shown.atBottom());
    QTableView *view = shown.panel.view();
    QVERIFY(!view->currentIndex().isValid());

    // Tabbing into a view without a current row would make the first row current and scroll to the top.
    view->setFocus(Qt::TabFocusReason);
    QTRY_VERIFY(view->hasFocus());
    QVERIFY(shown.panel.isFollowing());
    QVERIFY(shown.atBottom());
    QCOMPARE(view->currentIndex().row(), 299);
}

void TestLogPanel::copyPutsSelectedRecordsOnTheClipboard_data()
{
    QTest::addColumn<bool>("viaButton");
    QTest::addColumn<QString>("filter");
    QTest::newRow("Ctrl+C") << false << QString();
    QTest::newRow("button") << true << QString();
    QTest::newRow("Ctrl+C, filtered") << false << u"odd"_s;
}

void TestLogPanel::copyPutsSelectedRecordsOnTheClipboard()
{
    QFETCH(bool, viaButton);
    QFETCH(QString, filter);
    if (!clipboardWorks())
        QSKIP("this platform has no clipboard");
    LogHub hub;
    for (int i = 1; i <= 10; ++i)
        hub.info(HEIKO_HERE, u"line %1 %2"_s.arg(i).arg(i % 2 ? u"odd"_s : u"even"_s), i);
    ShownPanel shown(hub);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    shown.panel.findChild<QLineEdit *>(u"searchEdit"_s)->setText(filter);
    LogFilterProxy *proxy = shown.panel.proxy();
    QCOMPARE(proxy->rowCount(), filter.isEmpty() ? 10 : 5);

    // Selected bottom-up: the text still comes in view order.
    QItemSelectionModel *selection = shown.panel.view()->selectionModel();
    selection->select(proxy->index(4, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    selection->select(proxy->index(1, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    selection->select(proxy->index(2, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    const QString expected = proxy->recordAt(1).toText() + u'\n' + proxy->recordAt(2).toText() + u'\n'
        + proxy->recordAt(4).toText();
    QVERIFY(expected.contains(filter));

    QGuiApplication::clipboard()->clear();
    if (viaButton) {
        shown.panel.findChild<QToolButton *>(u"copyButton"_s)->click();
    } else {
        shown.panel.view()->setFocus();
        QTest::keySequence(shown.panel.view(), QKeySequence::Copy);
    }
    QCOMPARE(QGuiApplication::clipboard()->text(), expected);
    QCOMPARE(shown.panel.selectedText(), expected);
}

void TestLogPanel::clearEmptiesTheView()
{
    LogHub hub;
    ShownPanel shown(hub);
    writeMany(hub, 20);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 20);
    shown.panel.findChild<QToolButton *>(u"clearButton"_s)->click();
    QCOMPARE(shown.panel.model()->rowCount(), 0);
    QCOMPARE(shown.panel.proxy()->rowCount(), 0);
    QCOMPARE(hub.recordsSince(0).size(), 20); // the hub keeps its ring
    hub.info(HEIKO_HERE, u"after clear"_s);
    QTRY_COMPARE(shown.panel.model()->rowCount(), 1);
    QCOMPARE(shown.panel.model()->recordAt(0).message, u"after clear"_s);
}

void TestLogPanel::toolRowDrivesTheProxy()
{
    LogHub hub;
    ShownPanel shown(hub);
    auto *level = shown.panel.findChild<QComboBox *>(u"levelCombo"_s);
    auto *search = shown.panel.findChild<QLineEdit *>(u"searchEdit"_s);
    auto *label = shown.panel.findChild<QLabel *>(u"downloadFilterLabel"_s);
    QVERIFY(level && search && label);
    QVERIFY(search->isClearButtonEnabled());

    QCOMPARE(shown.panel.proxy()->minimumLevel(), LogLevel::Debug);
    level->setCurrentIndex(level->findText(u"Warning"_s));
    QCOMPARE(shown.panel.proxy()->minimumLevel(), LogLevel::Warning);
    search->setText(u"timeout"_s);
    QCOMPARE(shown.panel.proxy()->textFilter(), u"timeout"_s);
    search->clear();
    QCOMPARE(shown.panel.proxy()->textFilter(), QString());

    QVERIFY(label->isHidden());
    shown.panel.setDownloadFilter({ 3, 8 });
    QCOMPARE(shown.panel.proxy()->downloadIds(), (QSet<int> { 3, 8 }));
    QVERIFY(!label->isHidden());
    QCOMPARE(label->text(), u"showing records of 2 selected downloads"_s);
    shown.panel.setDownloadFilter({ 3 });
    QCOMPARE(label->text(), u"showing records of 1 selected download"_s);
    shown.panel.setDownloadFilter({});
    QVERIFY(shown.panel.proxy()->downloadIds().isEmpty());
    QVERIFY(label->isHidden());

    // The view is set up for speed: fixed row heights, no word wrap, the message column stretched.
    QTableView *view = shown.panel.view();
    QCOMPARE(view->verticalHeader()->sectionResizeMode(0), QHeaderView::Fixed);
    QVERIFY(!view->wordWrap());
    QVERIFY(view->horizontalHeader()->stretchLastSection());
    QVERIFY(!shown.panel.proxy()->dynamicSortFilter());
}

void TestLogPanel::fourThreadsLoseNothing()
{
    LogHub hub;
    LogModel model(hub);
    QAbstractItemModelTester tester(&model);
    std::vector<std::unique_ptr<QThread>> writers;
    for (int i = 0; i < 4; ++i)
        writers.push_back(startWriter(hub, 5'000, u"writer%1"_s.arg(i)));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 20'000, 60'000);
    for (const auto &writer : writers)
        QVERIFY(writer->wait(10'000));
    QCoreApplication::processEvents();
    QCOMPARE(model.rowCount(), 20'000);

    // Every record once, in the hub's order, and each writer's records in its own order.
    QHash<quint64, int> nextOfThread;
    for (int row = 0; row < model.rowCount(); ++row) {
        const LogRecord &record = model.recordAt(row);
        QCOMPARE(record.sequence, row + 1);
        const int expected = ++nextOfThread[record.threadId];
        QVERIFY2(record.message.endsWith(u' ' + QString::number(expected)), qPrintable(record.message));
    }
    QCOMPARE(nextOfThread.size(), 4);
    for (const int count : std::as_const(nextOfThread))
        QCOMPARE(count, 5'000);
}

void TestLogPanel::fullFollowingPanelKeepsUp()
{
    LogHub hub;
    writeMany(hub, 50'000);
    ShownPanel shown(hub);
    QVERIFY(QTest::qWaitForWindowExposed(&shown.panel));
    QCOMPARE(shown.panel.model()->rowCount(), 50'000);
    std::vector<std::unique_ptr<QThread>> writers;
    for (int i = 0; i < 4; ++i)
        writers.push_back(startWriter(hub, 5'000, u"writer%1"_s.arg(i)));
    QTRY_COMPARE_WITH_TIMEOUT(lastSequenceIn(*shown.panel.model()), 70'000, 60'000);
    for (const auto &writer : writers)
        QVERIFY(writer->wait(10'000));
    QCOMPARE(shown.panel.model()->rowCount(), 50'000);
    QCOMPARE(shown.panel.model()->recordAt(0).sequence, 20'001);
    QCOMPARE(shown.panel.proxy()->rowCount(), 50'000);
    QVERIFY(shown.panel.isFollowing());
    QVERIFY(shown.atBottom());
    QCOMPARE(shown.panel.view()->rowAt(shown.panel.view()->viewport()->height() - 1), 49'999);
}

QTEST_MAIN(TestLogPanel)
#include "tst_logpanel.moc"
