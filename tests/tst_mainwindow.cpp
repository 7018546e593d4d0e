#include "addurlsdialog.h"
#include "appsettings.h"
#include "downloadfilterproxy.h"
#include "downloadmanager.h"
#include "downloadtablemodel.h"
#include "logfilterproxy.h"
#include "loghub.h"
#include "logmodel.h"
#include "logpanel.h"
#include "mainwindow.h"
#include "queuestore.h"
#include "settingsdialog.h"
#include "testhttpserver.h"
#include "trayicon.h"
#include "units.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QColor>
#include <QDialogButtonBox>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStyleOptionViewItem>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Qt::StringLiterals;
using heiko::DownloadManager;
using heiko::DownloadState;
using Response = TestHttpServer::Response;

namespace {

constexpr int kWaitMs = 30'000;

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Answers the next modal message box (a confirmation) with the button whose role is given.
void answerNextMessageBox(QMessageBox::ButtonRole role)
{
    QTimer::singleShot(0, qApp, [role] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box)
            return;
        for (QAbstractButton *button : box->buttons()) {
            if (box->buttonRole(button) == role) {
                button->click();
                return;
            }
        }
    });
}

} // namespace

// The window as a user drives it, under the offscreen platform: drops, actions, settings, the worker spin
// box, and a real download from the window against the loopback server.
class TestMainWindow final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void modelsPassTheModelTester();
    void dropQueuesExactlyTheRightUrls_data();
    void dropQueuesExactlyTheRightUrls();
    void dropOfSomethingElseIsRefusedWithAReason();
    void dropIsAlwaysACopy();
    void pasteReadsTheClipboard();
    void actionsChangeStates();
    void removeWithFilesDeletesAfterConfirmation();
    void retryRestartsAFailedDownload();
    void workersSpinBoxReachesThePool();
    void typedLimitAppliesWhenComplete();
    void onlyTheWindowTakesDrops();
    void downloadWithoutALengthShowsItsSizeWhenFinished();
    void serverCoolDownShowsOnEveryRowWaitingForIt();
    void settingsPersist();
    void downloadFromTheWindowFinishesIntact();
    void filterAndSort();
    void statusBarCountsDownloads();
    void selectingADownloadFiltersTheLog();
    void closeAsksWhileDownloading();
    void commandLineUrlsAreQueued();
    void commandLineListKeepsNamesAndFolders();
    void failureAndEndOfQueueAreNotified();
    void failuresTogetherMakeOneNotification();
    void pauseAllIsNotAnnouncedAsFinished();
    void actingOnThousandsOfRowsIsOneModelUpdate();
    void removingUnfinishedDownloadsAsksFirst();
    void logViewKeysDoNotActOnDownloads();
    void ctrlCInTheTableCopiesUrls();
    void pasteOfSomethingElseSaysClipboard();
    void segmentsReachTheTable();
    void progressBarShowsThePieces();
    void connectionSettingsReachTheManager();
    void settingsKeepCommandLineValues();

private:
    void makeWindow();
    bool waitIdle(int timeoutMs = kWaitMs);
    void drop(QMimeData *mime);
    AddUrlsDialog *currentAddDialog() const;
    QSet<QString> queuedUrls() const;
    void selectIds(const QList<int> &ids);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestHttpServer> m_server;
    std::unique_ptr<heiko::LogHub> m_log;
    std::unique_ptr<QSettings> m_store;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<DownloadManager> m_manager;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<TestHttpServer>();
    QVERIFY(m_server->start());
    m_log = std::make_unique<heiko::LogHub>();
    m_store = std::make_unique<QSettings>(m_dir->filePath(u"heiko.ini"_s), QSettings::IniFormat);
    m_settings = std::make_unique<AppSettings>(*m_store);
    QVERIFY(QDir(m_dir->path()).mkpath(u"downloads"_s));
    m_settings->setDownloadFolder(m_dir->filePath(u"downloads"_s));
    m_settings->setNotifications(false);
    m_settings->setCloseToTray(false);
    m_settings->setStartAutomatically(false); // drops queue paused: no network unless a test starts them
}

void TestMainWindow::cleanup()
{
    m_window.reset();
    m_manager.reset();
    m_settings.reset();
    m_store.reset();
    m_log.reset();
    m_server.reset();
    m_dir.reset();
}

void TestMainWindow::makeWindow()
{
    heiko::EngineOptions options = m_settings->engineOptions();
    options.retryBaseDelay = std::chrono::milliseconds(20);
    m_manager = std::make_unique<DownloadManager>(*m_log, options);
    m_window = std::make_unique<MainWindow>(*m_manager, *m_log, *m_settings);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

bool TestMainWindow::waitIdle(int timeoutMs)
{
    if (m_manager->isIdle())
        return true;
    QSignalSpy idle(m_manager.get(), &DownloadManager::idle);
    return idle.wait(timeoutMs);
}

void TestMainWindow::drop(QMimeData *mime)
{
    const QPoint where = m_window->rect().center();
    QDragEnterEvent enter(where, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent dropEvent(where, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &dropEvent);
}

AddUrlsDialog *TestMainWindow::currentAddDialog() const
{
    const QList<AddUrlsDialog *> dialogs = m_window->findChildren<AddUrlsDialog *>();
    for (AddUrlsDialog *dialog : dialogs) {
        if (dialog->isVisible())
            return dialog;
    }
    return nullptr;
}

QSet<QString> TestMainWindow::queuedUrls() const
{
    QSet<QString> urls;
    for (const int id : m_manager->ids())
        urls.insert(m_manager->info(id).url.toString());
    return urls;
}

void TestMainWindow::selectIds(const QList<int> &ids)
{
    QTableView *view = m_window->downloadView();
    view->clearSelection();
    for (const int id : ids) {
        const QModelIndex source = m_window->downloadModel()->index(m_window->downloadModel()->rowOf(id), 0);
        view->selectionModel()->select(m_window->downloadProxy()->mapFromSource(source),
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
}

void TestMainWindow::modelsPassTheModelTester()
{
    makeWindow();
    QAbstractItemModelTester tableTester(m_window->downloadModel(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(m_window->downloadProxy(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester logTester(m_window->logPanel()->model(),
                                       QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 4; ++i)
        m_server->setResponse("/m" + QByteArray::number(i),
                              TestHttpServer::generated(300 * 1024, quint32(i), 1024 * 1024));
    QList<int> ids;
    for (int i = 0; i < 4; ++i)
        ids.append(m_manager->add(
            { m_server->url("/m" + QByteArray::number(i)), m_settings->downloadFolder(), {}, false }));
    m_manager->remove(ids.takeLast(), false);
    m_window->downloadView()->sortByColumn(DownloadTableModel::Size, Qt::DescendingOrder);
    QVERIFY(waitIdle());
    QCOMPARE(m_window->downloadModel()->rowCount(), 3);
    for (int row = 0; row < 3; ++row)
        QCOMPARE(m_window->downloadModel()->infoAt(row).state, DownloadState::Finished);
}

void TestMainWindow::dropQueuesExactlyTheRightUrls_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("uri-list") << u"uri-list"_s
                              << QStringList { u"http://example.com/a.iso"_s,
                                               u"https://example.org/b.zip"_s };
    QTest::newRow("plain text with prose")
        << u"text"_s << QStringList { u"http://example.com/one.mp3"_s, u"https://example.net/two.flac"_s };
    QTest::newRow("html links") << u"html"_s
                                << QStringList { u"https://example.com/x.tar.gz"_s,
                                                 u"http://example.com/y?a=1&b=2"_s };
    QTest::newRow("txt list file") << u"txt-file"_s
                                   << QStringList { u"http://example.com/1.bin"_s,
                                                    u"http://example.com/2.bin"_s };
    QTest::newRow("csv list file") << u"csv-file"_s
                                   << QStringList { u"https://example.com/c1.bin"_s,
                                                    u"https://example.com/c2.bin"_s };
}

void TestMainWindow::dropQueuesExactlyTheRightUrls()
{
    QFETCH(QString, kind);
    QFETCH(QStringList, expected);
    makeWindow();
    auto *mime = new QMimeData;
    if (kind == u"uri-list"_s) {
        mime->setUrls({ QUrl(expected.at(0)), QUrl(expected.at(1)), QUrl(u"ftp://example.com/refused"_s) });
    } else if (kind == u"text"_s) {
        mime->setText(u"Grab %1 first, then (%2). Thanks!"_s.arg(expected.at(0), expected.at(1)));
    } else if (kind == u"html"_s) {
        mime->setHtml(
            u"<p>Links: <a href=\"https://example.com/x.tar.gz\">x</a> and "
            u"<a href=\"http://example.com/y?a=1&amp;b=2\">y</a>, <a href=\"javascript:void(0)\">no</a></p>"_s);
        mime->setText(u"Links: x and y, no"_s);
    } else {
        const bool csv = kind == u"csv-file"_s;
        const QString path = m_dir->filePath(csv ? u"links.csv"_s : u"links.txt"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        if (csv)
            file.write((u"url,name\n"_s + expected.at(0) + u",first.bin\n\""_s + expected.at(1)
                        + u"\",second.bin\n"_s)
                           .toUtf8());
        else
            file.write(
                (u"# list\n"_s + expected.at(0) + u"\n\nnot a url\n"_s + expected.at(1) + u"\n"_s).toUtf8());
        file.close();
        mime->setUrls({ QUrl::fromLocalFile(path) });
    }
    drop(mime);
    AddUrlsDialog *dialog = currentAddDialog();
    QVERIFY2(dialog, qPrintable(m_window->lastMessage()));
    dialog->accept();
    QCOMPARE(queuedUrls(), QSet<QString>(expected.cbegin(), expected.cend()));
    for (const int id : m_manager->ids())
        QCOMPARE(m_manager->info(id).state, DownloadState::Paused); // "start automatically" is off here
    delete mime;
}

void TestMainWindow::dropIsAlwaysACopy()
{
    // A text editor offers its selection as a move (and a Shift-drag asks for one); if the drop took the
    // move, the editor would delete the links the user dragged. Heiko only reads them: a copy, always.
    makeWindow();
    QMimeData mime;
    mime.setText(u"https://example.com/a.iso"_s);
    const QPoint where = m_window->rect().center();
    const Qt::DropActions offered = Qt::CopyAction | Qt::MoveAction;
    QDragEnterEvent enter(where, offered, &mime, Qt::LeftButton, Qt::ShiftModifier);
    enter.setDropAction(Qt::MoveAction);
    QApplication::sendEvent(m_window.get(), &enter);
    QVERIFY(enter.isAccepted());
    QCOMPARE(enter.dropAction(), Qt::CopyAction);
    QDragMoveEvent move(where, offered, &mime, Qt::LeftButton, Qt::ShiftModifier);
    move.setDropAction(Qt::MoveAction);
    QApplication::sendEvent(m_window.get(), &move);
    QCOMPARE(move.dropAction(), Qt::CopyAction);
    QDropEvent dropped(where, offered, &mime, Qt::LeftButton, Qt::ShiftModifier);
    dropped.setDropAction(Qt::MoveAction);
    QApplication::sendEvent(m_window.get(), &dropped);
    QVERIFY(dropped.isAccepted());
    QCOMPARE(dropped.dropAction(), Qt::CopyAction);
    AddUrlsDialog *dialog = currentAddDialog();
    QVERIFY2(dialog, qPrintable(m_window->lastMessage()));
    dialog->accept();
    QCOMPARE(queuedUrls(), QSet<QString> { u"https://example.com/a.iso"_s });

    // A source that offers only a move is refused: taking it would delete the source's copy.
    QDragEnterEvent moveOnly(where, Qt::MoveAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &moveOnly);
    QVERIFY(!moveOnly.isAccepted());
}

void TestMainWindow::dropOfSomethingElseIsRefusedWithAReason()
{
    makeWindow();
    auto *mime = new QMimeData;
    mime->setData(u"image/png"_s, QByteArray("\x89PNG\r\n\x1a\n", 8));
    const QPoint where = m_window->rect().center();
    QDragEnterEvent enter(where, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &enter);
    QVERIFY(!enter.isAccepted()); // the cursor already says no

    // A local file that is not a list: refused on drop, with the reason.
    const QString image = m_dir->filePath(u"photo.png"_s);
    QFile file(image);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    file.close();
    mime->setUrls({ QUrl::fromLocalFile(image) });
    drop(mime);
    QVERIFY(!currentAddDialog());
    QVERIFY2(!m_window->lastMessage().isEmpty(), "a refusal must say why");
    QVERIFY2(m_window->lastMessage().contains(u"photo.png"_s), qPrintable(m_window->lastMessage()));
    QVERIFY(m_manager->ids().isEmpty());
    delete mime;
}

void TestMainWindow::pasteReadsTheClipboard()
{
    makeWindow();
    QClipboard *clipboard = QGuiApplication::clipboard();
    clipboard->setText(u"http://example.com/p1.bin\nhttp://example.com/p2.bin\n"_s);
    if (clipboard->text().isEmpty())
        QSKIP("this platform has no clipboard");
    m_window->action(MainWindow::Action::Paste)->trigger();
    AddUrlsDialog *dialog = currentAddDialog();
    QVERIFY(dialog);
    dialog->accept();
    QCOMPARE(queuedUrls(),
             (QSet<QString> { u"http://example.com/p1.bin"_s, u"http://example.com/p2.bin"_s }));
}

void TestMainWindow::actionsChangeStates()
{
    makeWindow();
    m_server->setResponse("/slow.bin", TestHttpServer::generated(4 * 1024 * 1024, 5, 256 * 1024));
    const int id = m_manager->add({ m_server->url("/slow.bin"), m_settings->downloadFolder(), {}, true });
    QCOMPARE(m_manager->info(id).state, DownloadState::Paused);
    selectIds({ id });
    QVERIFY(m_window->action(MainWindow::Action::Start)->isEnabled());
    QVERIFY(!m_window->action(MainWindow::Action::Pause)->isEnabled());
    m_window->action(MainWindow::Action::Start)->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(m_manager->info(id).state, DownloadState::Running, kWaitMs);
    QTRY_VERIFY(m_window->action(MainWindow::Action::Pause)->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(m_manager->info(id).bytesReceived > 0, kWaitMs);
    m_window->action(MainWindow::Action::Pause)->trigger();
    QCOMPARE(m_manager->info(id).state, DownloadState::Paused);
    QVERIFY(waitIdle());
    QVERIFY(QFile::exists(m_settings->downloadFolder() + u"/slow.bin.part"_s));
    answerNextMessageBox(QMessageBox::RejectRole); // "cancelling deletes what was downloaded": no
    m_window->action(MainWindow::Action::Cancel)->trigger();
    QCOMPARE(m_manager->info(id).state, DownloadState::Paused);
    answerNextMessageBox(QMessageBox::AcceptRole);
    m_window->action(MainWindow::Action::Cancel)->trigger();
    QCOMPARE(m_manager->info(id).state, DownloadState::Cancelled);
    QVERIFY(!QFile::exists(m_settings->downloadFolder() + u"/slow.bin.part"_s));
    m_window->action(MainWindow::Action::Remove)->trigger();
    QVERIFY(!m_manager->contains(id));
    QCOMPARE(m_window->downloadModel()->rowCount(), 0);
}

void TestMainWindow::removeWithFilesDeletesAfterConfirmation()
{
    makeWindow();
    m_server->setResponse("/done.bin", TestHttpServer::generated(1000, 6));
    const int id = m_manager->add({ m_server->url("/done.bin"), m_settings->downloadFolder(), {}, false });
    QVERIFY(waitIdle());
    const QString path = m_manager->info(id).filePath;
    QVERIFY(QFile::exists(path));
    selectIds({ id });
    answerNextMessageBox(QMessageBox::RejectRole);
    m_window->action(MainWindow::Action::RemoveWithFiles)->trigger();
    QVERIFY(m_manager->contains(id)); // cancelled: nothing happened
    QVERIFY(QFile::exists(path));
    answerNextMessageBox(QMessageBox::AcceptRole);
    m_window->action(MainWindow::Action::RemoveWithFiles)->trigger();
    QVERIFY(!m_manager->contains(id));
    QVERIFY(!QFile::exists(path));
}

void TestMainWindow::retryRestartsAFailedDownload()
{
    makeWindow();
    Response missing;
    missing.status = 404;
    m_server->setResponseSequence("/later.bin", { missing, TestHttpServer::generated(2000, 7) });
    const int id = m_manager->add({ m_server->url("/later.bin"), m_settings->downloadFolder(), {}, false });
    QVERIFY(waitIdle());
    QCOMPARE(m_manager->info(id).state, DownloadState::Failed);
    const QModelIndex stateCell
        = m_window->downloadModel()->index(m_window->downloadModel()->rowOf(id), DownloadTableModel::State);
    QVERIFY(stateCell.data(Qt::ToolTipRole).toString().contains(u"404"_s)); // the full error in the tooltip
    selectIds({ id });
    QVERIFY(m_window->action(MainWindow::Action::Retry)->isEnabled());
    m_window->action(MainWindow::Action::Retry)->trigger();
    QVERIFY(waitIdle());
    QCOMPARE(m_manager->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(m_manager->info(id).filePath), TestHttpServer::patternBytes(7, 0, 2000));
}

void TestMainWindow::workersSpinBoxReachesThePool()
{
    makeWindow();
    for (int i = 0; i < 6; ++i)
        m_server->setResponse("/w" + QByteArray::number(i),
                              TestHttpServer::generated(400 * 1024, quint32(10 + i), 256 * 1024));
    for (int i = 0; i < 6; ++i)
        m_manager->add(
            { m_server->url("/w" + QByteArray::number(i)), m_settings->downloadFolder(), {}, false });
    QCOMPARE(m_manager->busyWorkers(), 2);
    m_window->workersSpinBox()->setValue(4);
    QCOMPARE(m_manager->maxWorkers(), 4);
    QCOMPARE(m_manager->busyWorkers(), 4);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->currentRequests(), 4, kWaitMs);
    QCOMPARE(m_settings->engineOptions().maxWorkers, 4); // and it is remembered
    QVERIFY(waitIdle());
    QCOMPARE(m_server->maxConcurrentRequests(), 4);
}

void TestMainWindow::typedLimitAppliesWhenComplete()
{
    // Typing 2000 into the speed limit applies 2000 KiB/s once, at Enter: not 2, 20 and 200 on the way, each
    // applied, logged and saved.
    makeWindow();
    auto *box = m_window->findChild<QSpinBox *>(u"overallLimit"_s);
    QVERIFY(box);
    box->setFocus();
    box->selectAll();
    const qint64 before = m_log->lastSequence();
    QTest::keyClicks(box, u"2000"_s);
    QCOMPARE(m_manager->overallRateLimit(), qint64(0));
    QTest::keyClick(box, Qt::Key_Return);
    QCOMPARE(m_manager->overallRateLimit(), qint64(2000) * 1024);
    QCOMPARE(m_settings->engineOptions().overallRateLimit, qint64(2000) * 1024);
    int limitLines = 0;
    for (const heiko::LogRecord &record : m_log->recordsSince(before))
        limitLines += record.message.startsWith(u"[limit]"_s) ? 1 : 0;
    QCOMPARE(limitLines, 1);
}

void TestMainWindow::onlyTheWindowTakesDrops()
{
    // A drop anywhere queues links: no child may take it for itself (a line edit would take the links as
    // its text, the log's search box filtering the log by them).
    makeWindow();
    QStringList takers;
    for (const QWidget *child : m_window->findChildren<QWidget *>()) {
        if (child->acceptDrops() && child->isVisible())
            takers.append(QString::fromLatin1(child->metaObject()->className()) + u' ' + child->objectName());
    }
    QVERIFY2(takers.isEmpty(), qPrintable(takers.join(u", "_s)));
}

void TestMainWindow::downloadWithoutALengthShowsItsSizeWhenFinished()
{
    m_settings->setStartAutomatically(true);
    makeWindow();
    Response chunked = TestHttpServer::generated(50 * 1024, 5);
    chunked.chunked = true;
    m_server->setResponse("/chunked", chunked);
    const int id = m_manager->add({ m_server->url("/chunked"), m_settings->downloadFolder(), {}, false });
    QVERIFY(waitIdle());
    QCOMPARE(m_manager->info(id).state, heiko::DownloadState::Finished);
    DownloadTableModel *model = m_window->downloadModel();
    const QModelIndex size = model->index(model->rowOf(id), DownloadTableModel::Size);
    QTRY_COMPARE(model->data(size).toString(), heiko::units::formatBytes(50 * 1024));
    QCOMPARE(model->data(size, DownloadTableModel::SortRole).toLongLong(), qint64(50 * 1024));

    // Skipped because the file is already there (Skip policy): nothing was received, so no size, not "0 B".
    heiko::EngineOptions options = m_manager->options();
    options.collisionPolicy = heiko::CollisionPolicy::Skip;
    m_manager->setOptions(options);
    const int skipped
        = m_manager->add({ m_server->url("/chunked"), m_settings->downloadFolder(), {}, false });
    QVERIFY(waitIdle());
    QCOMPARE(m_manager->info(skipped).state, heiko::DownloadState::Finished);
    QCOMPARE(model->data(model->index(model->rowOf(skipped), DownloadTableModel::Size)).toString(),
             QString());
}

void TestMainWindow::serverCoolDownShowsOnEveryRowWaitingForIt()
{
    // A 503 with Retry-After holds every download from that server back, not only the one that got it: the
    // others' rows say they wait, and for how long, rather than "Queued".
    m_settings->setStartAutomatically(true);
    makeWindow();
    m_manager->setMaxWorkers(1);
    Response busy;
    busy.status = 503;
    busy.body = "busy";
    busy.headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("30")));
    m_server->setResponse("/busy", busy);
    m_server->setResponse("/other", TestHttpServer::generated(10 * 1024, 1));
    const int a = m_manager->add({ m_server->url("/busy"), m_settings->downloadFolder(), {}, false });
    const int b = m_manager->add({ m_server->url("/other"), m_settings->downloadFolder(), {}, false });
    DownloadTableModel *model = m_window->downloadModel();
    const auto state = [model](int id) {
        return model->data(model->index(model->rowOf(id), DownloadTableModel::State)).toString();
    };
    QTRY_VERIFY_WITH_TIMEOUT(state(a).startsWith(u"Retrying in"_s), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(state(b).startsWith(u"Waiting"_s), kWaitMs);
    QCOMPARE(m_server->requestCount("/other"), 0);
}

void TestMainWindow::settingsPersist()
{
    makeWindow();
    m_window->workersSpinBox()->setValue(7);
    m_window.reset();
    m_manager.reset();
    m_settings.reset();
    m_store->sync();
    m_store = std::make_unique<QSettings>(m_dir->filePath(u"heiko.ini"_s), QSettings::IniFormat);
    m_settings = std::make_unique<AppSettings>(*m_store);
    QCOMPARE(m_settings->engineOptions().maxWorkers, 7);
    makeWindow();
    QCOMPARE(m_window->workersSpinBox()->value(), 7);
    QCOMPARE(m_manager->maxWorkers(), 7);
}

void TestMainWindow::downloadFromTheWindowFinishesIntact()
{
    m_settings->setStartAutomatically(true);
    makeWindow();
    m_server->setResponse("/music/song.mp3", TestHttpServer::generated(3 * 1024 * 1024, 8, 4 * 1024 * 1024));
    AddUrlsDialog *dialog = m_window->openAddDialog(m_server->url("/music/song.mp3").toString());
    QVERIFY(dialog);
    dialog->accept();
    QCOMPARE(m_manager->ids().size(), 1);
    const int id = m_manager->ids().first();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->downloadModel()->infoAt(0).bytesReceived > 0,
                             kWaitMs); // progress reaches the table
    QVERIFY(waitIdle());
    QTRY_COMPARE(m_window->downloadModel()->infoAt(0).state, DownloadState::Finished);
    QCOMPARE(m_window->downloadModel()
                 ->index(0, DownloadTableModel::Progress)
                 .data(DownloadTableModel::SortRole)
                 .toDouble(),
             1.0);
    QCOMPARE(readFile(m_manager->info(id).filePath), TestHttpServer::patternBytes(8, 0, 3 * 1024 * 1024));
    QCOMPARE(QFileInfo(m_manager->info(id).filePath).absolutePath(),
             QDir(m_settings->downloadFolder()).absolutePath());
}

void TestMainWindow::filterAndSort()
{
    makeWindow();
    for (const QString &name : { u"alpha.iso"_s, u"beta.zip"_s, u"gamma.iso"_s })
        m_manager->add({ QUrl(u"http://example.com/"_s + name), m_settings->downloadFolder(), {}, true });
    DownloadFilterProxy *proxy = m_window->downloadProxy();
    QCOMPARE(proxy->rowCount(), 3);
    QLineEdit *filter = m_window->findChild<QLineEdit *>(u"downloadFilter"_s);
    QVERIFY(filter);
    QTest::keyClicks(filter, u"iso"_s);
    QCOMPARE(proxy->rowCount(), 2);
    filter->clear();
    QCOMPARE(proxy->rowCount(), 3);
    m_window->downloadView()->sortByColumn(DownloadTableModel::Name, Qt::DescendingOrder);
    QCOMPARE(proxy->index(0, DownloadTableModel::Name).data().toString(), u"gamma.iso"_s);
    QCOMPARE(proxy->index(2, DownloadTableModel::Name).data().toString(), u"alpha.iso"_s);
}

void TestMainWindow::statusBarCountsDownloads()
{
    makeWindow();
    m_server->setResponse("/ok.bin", TestHttpServer::generated(100, 9));
    Response missing;
    missing.status = 404;
    m_server->setResponse("/missing.bin", missing);
    m_manager->add({ m_server->url("/ok.bin"), m_settings->downloadFolder(), {}, false });
    m_manager->add({ m_server->url("/missing.bin"), m_settings->downloadFolder(), {}, false });
    m_manager->add({ QUrl(u"http://example.com/later.bin"_s), m_settings->downloadFolder(), {}, true });
    QVERIFY(waitIdle());
    auto *counts = m_window->findChild<QLabel *>(u"statusCounts"_s);
    QVERIFY(counts);
    QTRY_COMPARE(counts->text(), u"0 running · 0 queued · 1 paused · 1 finished · 1 failed"_s);
    auto *workers = m_window->findChild<QLabel *>(u"statusWorkers"_s);
    QVERIFY(workers);
    QTRY_COMPARE(workers->text(), u"Workers 0 / 2"_s);
}

void TestMainWindow::selectingADownloadFiltersTheLog()
{
    makeWindow();
    m_server->setResponse("/a.bin", TestHttpServer::generated(100, 10));
    m_server->setResponse("/b.bin", TestHttpServer::generated(100, 11));
    const int a = m_manager->add({ m_server->url("/a.bin"), m_settings->downloadFolder(), {}, false });
    const int b = m_manager->add({ m_server->url("/b.bin"), m_settings->downloadFolder(), {}, false });
    QVERIFY(waitIdle());
    QAbstractItemModel *log = m_window->logPanel()->proxy();
    QTRY_VERIFY(log->rowCount() >= 4); // start and finish of both
    selectIds({ a });
    QVERIFY(log->rowCount() >= 2);
    for (int row = 0; row < log->rowCount(); ++row)
        QCOMPARE(log->index(row, 0).data(LogModel::DownloadRole).toInt(), a);
    selectIds({});
    bool sawB = false;
    for (int row = 0; row < log->rowCount(); ++row)
        sawB = sawB || log->index(row, 0).data(LogModel::DownloadRole).toInt() == b;
    QVERIFY(sawB);
}

void TestMainWindow::closeAsksWhileDownloading()
{
    makeWindow();
    m_server->setResponse("/long.bin", TestHttpServer::generated(8 * 1024 * 1024, 12, 256 * 1024));
    m_manager->add({ m_server->url("/long.bin"), m_settings->downloadFolder(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(m_manager->busyWorkers(), 1, kWaitMs);
    answerNextMessageBox(QMessageBox::RejectRole);
    QVERIFY(!m_window->close()); // the user said no: the window stays, the download goes on
    QVERIFY(m_window->isVisible());
    QCOMPARE(m_manager->busyWorkers(), 1);
}

void TestMainWindow::commandLineUrlsAreQueued()
{
    m_settings->setStartAutomatically(false);
    makeWindow();
    const int queued = m_window->queueUrls(
        { u"http://example.com/1.iso"_s, u"not a url"_s, u"https://example.com/2.iso"_s });
    QCOMPARE(queued, 2);
    QCOMPARE(queuedUrls(), (QSet<QString> { u"http://example.com/1.iso"_s, u"https://example.com/2.iso"_s }));
    QVERIFY(m_window->lastMessage().contains(u"skipped"_s));
}

void TestMainWindow::commandLineListKeepsNamesAndFolders()
{
    // `heiko -i LIST` hands the list's entries to the window as list lines (UrlList::toLines()): a name
    // (out=) and a folder inside the target (dir=) are kept; a folder outside it is refused, with the reason.
    m_settings->setStartAutomatically(false);
    makeWindow();
    heiko::UrlList list = heiko::UrlList::parse("http://example.com/a.txt\n  out=renamed.txt\n"
                                                "http://example.com/big.bin\n  dir=sub/inner\n"
                                                "http://example.com/out.bin\n  dir=../escape\n"_ba);
    QCOMPARE(list.entries().size(), 3);
    const QString target = m_dir->filePath(u"target"_s);
    QCOMPARE(m_window->queueUrls(heiko::UrlList::toLines(list.entries()), target), 2);
    QHash<QString, heiko::SavedDownload> byUrl;
    for (const heiko::SavedDownload &download : m_manager->savedState())
        byUrl.insert(download.url.toString(), download);
    QCOMPARE(byUrl.size(), 2);
    QCOMPARE(byUrl.value(u"http://example.com/a.txt"_s).requestedName, u"renamed.txt"_s);
    QCOMPARE(byUrl.value(u"http://example.com/a.txt"_s).directory, target);
    QCOMPARE(QDir::cleanPath(byUrl.value(u"http://example.com/big.bin"_s).directory),
             QDir::cleanPath(target + u"/sub/inner"_s));
    QVERIFY(m_window->lastMessage().contains(u"skipped"_s));
    bool refusalLogged = false;
    for (const heiko::LogRecord &record : m_log->recordsSince(0))
        refusalLogged = refusalLogged || (record.message.contains(u"dir=../escape"_s));
    QVERIFY(refusalLogged);
}

void TestMainWindow::failureAndEndOfQueueAreNotified()
{
    m_settings->setNotifications(true);
    makeWindow();
    Response missing;
    missing.status = 404;
    m_server->setResponse("/gone.iso", missing);
    QSignalSpy notified(m_window->trayIcon(), &TrayIcon::notified);
    m_manager->add({ m_server->url("/gone.iso"), m_settings->downloadFolder(), {}, false });
    QVERIFY(waitIdle());
    QTRY_COMPARE(notified.count(), 2);
    QCOMPARE(notified.at(0).at(0).toString(), u"Download failed: gone.iso"_s);
    QVERIFY(notified.at(0).at(1).toString().contains(u"404"_s));
    QCOMPARE(notified.at(0).at(2).toBool(), true);
    QCOMPARE(notified.at(1).at(0).toString(), u"Downloads finished"_s);
    QCOMPARE(notified.at(1).at(1).toString(), u"0 finished, 1 failed"_s);
}

void TestMainWindow::failuresTogetherMakeOneNotification()
{
    m_settings->setNotifications(true);
    makeWindow();
    Response missing;
    missing.status = 404;
    for (const QByteArray path : { "/x1", "/x2", "/x3" })
        m_server->setResponse(path, missing);
    QSignalSpy notified(m_window->trayIcon(), &TrayIcon::notified);
    for (const QByteArray path : { "/x1", "/x2", "/x3" })
        m_manager->add({ m_server->url(path), m_settings->downloadFolder(), {}, false });
    QVERIFY(waitIdle());
    QTRY_COMPARE(notified.count(), 2);
    QCOMPARE(notified.at(0).at(0).toString(), u"3 downloads failed"_s);
    QCOMPARE(notified.at(1).at(1).toString(), u"0 finished, 3 failed"_s);
}

void TestMainWindow::pauseAllIsNotAnnouncedAsFinished()
{
    m_settings->setNotifications(true);
    makeWindow();
    m_server->setResponse("/slow.bin", TestHttpServer::generated(4 * 1024 * 1024, 13, 256 * 1024));
    m_manager->add({ m_server->url("/slow.bin"), m_settings->downloadFolder(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(m_manager->busyWorkers(), 1, kWaitMs);
    QSignalSpy notified(m_window->trayIcon(), &TrayIcon::notified);
    m_window->action(MainWindow::Action::PauseAll)->trigger();
    QVERIFY(waitIdle());
    QCoreApplication::processEvents();
    QCOMPARE(notified.count(), 0);
}

void TestMainWindow::actingOnThousandsOfRowsIsOneModelUpdate()
{
    makeWindow();
    constexpr int count = 3000;
    for (int i = 0; i < count; ++i)
        m_manager->add(
            { QUrl(u"http://127.0.0.1:9/many/%1.bin"_s.arg(i)), m_settings->downloadFolder(), {}, true });
    m_window->downloadView()->sortByColumn(DownloadTableModel::Name, Qt::DescendingOrder);
    m_window->downloadView()->selectAll();
    QCOMPARE(m_window->selectedIds().size(), count);
    QSignalSpy changed(m_window->downloadModel(), &QAbstractItemModel::dataChanged);
    m_window->action(MainWindow::Action::Cancel)->trigger(); // nothing downloaded yet: no question
    QCOMPARE(changed.count(), 1); // one range, not 3,000 signals
    QCOMPARE(m_manager->stateCounts().cancelled, count);
    QSignalSpy removed(m_window->downloadModel(), &QAbstractItemModel::rowsAboutToBeRemoved);
    m_window->action(MainWindow::Action::Remove)->trigger();
    QCOMPARE(removed.count(), 1); // every row in one run
    QCOMPARE(m_window->downloadModel()->rowCount(), 0);
    QCOMPARE(m_window->downloadProxy()->rowCount(), 0);
    QVERIFY(m_manager->ids().isEmpty());
}

void TestMainWindow::removingUnfinishedDownloadsAsksFirst()
{
    makeWindow();
    m_server->setResponse("/half.bin", TestHttpServer::generated(4 * 1024 * 1024, 14, 256 * 1024));
    const int id = m_manager->add({ m_server->url("/half.bin"), m_settings->downloadFolder(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(m_manager->info(id).bytesReceived > 0, kWaitMs);
    m_manager->pause(id);
    QVERIFY(waitIdle());
    selectIds({ id });
    answerNextMessageBox(QMessageBox::RejectRole);
    m_window->action(MainWindow::Action::Remove)->trigger();
    QVERIFY(m_manager->contains(id)); // kept: the user said no
    QVERIFY(QFile::exists(m_settings->downloadFolder() + u"/half.bin.part"_s));
}

void TestMainWindow::logViewKeysDoNotActOnDownloads()
{
    makeWindow();
    const int id
        = m_manager->add({ QUrl(u"http://127.0.0.1:9/k.bin"_s), m_settings->downloadFolder(), {}, true });
    selectIds({ id });
    QTableView *log = m_window->logPanel()->view();
    log->setFocus();
    QTRY_VERIFY(log->hasFocus());
    QTest::keyClick(log, Qt::Key_Delete);
    QVERIFY(m_manager->contains(id)); // Delete in the log is not "remove the selected download"
    m_window->downloadView()->setFocus();
    QTRY_VERIFY(m_window->downloadView()->hasFocus());
    QTest::keyClick(m_window->downloadView(), Qt::Key_Delete);
    QVERIFY(!m_manager->contains(id)); // in the table it is
}

void TestMainWindow::ctrlCInTheTableCopiesUrls()
{
    makeWindow();
    QClipboard *clipboard = QGuiApplication::clipboard();
    clipboard->setText(u"probe"_s);
    if (clipboard->text() != u"probe"_s)
        QSKIP("this platform has no clipboard");
    QUrl url(u"https://example.com/a.iso"_s);
    url.setUserName(u"bob"_s);
    url.setPassword(u"hunter2"_s);
    const int id = m_manager->add({ url, m_settings->downloadFolder(), {}, true });
    selectIds({ id });
    m_window->downloadView()->setFocus();
    QTRY_VERIFY(m_window->downloadView()->hasFocus());
    QTest::keyClick(m_window->downloadView(), Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(clipboard->text(), u"https://bob@example.com/a.iso\n"_s); // the URL, never the password
}

void TestMainWindow::pasteOfSomethingElseSaysClipboard()
{
    makeWindow();
    QClipboard *clipboard = QGuiApplication::clipboard();
    auto *mime = new QMimeData;
    mime->setData(u"image/png"_s, QByteArray("\x89PNG\r\n\x1a\n", 8));
    clipboard->setMimeData(mime);
    if (!clipboard->mimeData() || !clipboard->mimeData()->hasFormat(u"image/png"_s))
        QSKIP("this platform has no clipboard");
    m_window->action(MainWindow::Action::Paste)->trigger();
    QVERIFY(!currentAddDialog());
    QVERIFY2(m_window->lastMessage().contains(u"clipboard"_s, Qt::CaseInsensitive),
             qPrintable(m_window->lastMessage()));
}

void TestMainWindow::segmentsReachTheTable()
{
    // 6 MiB at 3 MiB/s per connection over 4 connections: pieces of 1.5 MiB, none big enough to be split
    // again, so the table sees exactly 4 while they download.
    m_settings->setStartAutomatically(true);
    heiko::EngineOptions options = m_settings->engineOptions();
    options.connectionsPerFile = 4;
    m_settings->setEngineOptions(options);
    makeWindow();
    constexpr qint64 size = 6 * 1024 * 1024;
    m_server->setResponse("/pieces.bin", TestHttpServer::generated(size, 15, 3 * 1024 * 1024));
    const int id = m_manager->add({ m_server->url("/pieces.bin"), m_settings->downloadFolder(), {}, false });
    DownloadTableModel *model = m_window->downloadModel();
    const auto progressCell = [&] {
        return model->index(model->rowOf(id), DownloadTableModel::Progress);
    };
    const auto pieces = [&] {
        return progressCell().data(DownloadTableModel::SegmentsRole).value<QList<heiko::Segment>>();
    };
    QTRY_COMPARE_WITH_TIMEOUT(pieces().size(), 4, kWaitMs);
    QCOMPARE(progressCell().data(DownloadTableModel::BytesTotalRole).toLongLong(), size);
    for (const heiko::Segment &piece : pieces()) {
        QVERIFY(piece.start <= piece.position && piece.position <= piece.end);
        QVERIFY(piece.end <= size);
    }
    // The tooltip says how many connections fetch it and how far the pieces are.
    const QString tip = progressCell().data(Qt::ToolTipRole).toString();
    QVERIFY2(QRegularExpression(u"^[1-4] connections? · [0-4] of 4 pieces done\n"_s).match(tip).hasMatch(),
             qPrintable(tip));
    QVERIFY(waitIdle());
    QTRY_COMPARE(model->infoAt(model->rowOf(id)).state, DownloadState::Finished);
    QVERIFY(pieces().isEmpty()); // a finished download is one plain bar again
    QVERIFY(!progressCell().data(Qt::ToolTipRole).toString().contains(u"pieces done"_s));
    QCOMPARE(readFile(m_manager->info(id).filePath), TestHttpServer::patternBytes(15, 0, size));
}

void TestMainWindow::progressBarShowsThePieces()
{
    makeWindow();
    // A paused download from the saved queue, 8 MiB: the first 2 MiB were written before it was split, and
    // two pieces follow, each half done. Written: [0, 3) and [4, 6) MiB, i.e. 0-37.5 % and 50-75 %.
    constexpr qint64 mib = 1024 * 1024;
    const QString part = m_settings->downloadFolder() + u"/pieces.bin.part"_s;
    {
        QFile file(part);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(8 * mib));
    }
    heiko::SavedDownload saved;
    saved.url = QUrl(u"http://127.0.0.1:9/pieces.bin"_s);
    saved.directory = m_settings->downloadFolder();
    saved.state = DownloadState::Paused;
    saved.files.fileName = u"pieces.bin"_s;
    saved.files.partPath = part;
    saved.files.rangesSupported = true;
    saved.files.segments = { { 2 * mib, 3 * mib, 4 * mib }, { 4 * mib, 6 * mib, 8 * mib } };
    saved.bytesTotal = 8 * mib;
    saved.durableBytes = 5 * mib;
    const int id = m_manager->restore(saved);
    QCOMPARE(m_manager->info(id).state, DownloadState::Paused);

    DownloadTableModel *model = m_window->downloadModel();
    const QModelIndex cell = model->index(model->rowOf(id), DownloadTableModel::Progress);
    QCOMPARE(cell.data(DownloadTableModel::SegmentsRole).value<QList<heiko::Segment>>(),
             saved.files.segments);
    QCOMPARE(cell.data(DownloadTableModel::BytesTotalRole).toLongLong(), 8 * mib);
    QCOMPARE(cell.data().toString(), u"62%"_s);
    // Paused: no connection is open, so the tooltip only says how far the pieces are.
    QVERIFY2(cell.data(Qt::ToolTipRole).toString().startsWith(u"0 of 2 pieces done\n"_s),
             qPrintable(cell.data(Qt::ToolTipRole).toString()));

    // Paint the cell with the delegate the window installed, as the view would.
    QTableView *view = m_window->downloadView();
    const QModelIndex viewCell = m_window->downloadProxy()->mapFromSource(cell);
    QAbstractItemDelegate *delegate = view->itemDelegateForIndex(viewCell);
    QVERIFY(delegate);
    constexpr int width = 600;
    constexpr int height = 26;
    QStyleOptionViewItem option;
    option.initFrom(view);
    option.state &= ~QStyle::State_Selected;
    option.rect = QRect(0, 0, width, height);
    option.widget = view;
    QImage image(width, height, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        delegate->paint(&painter, option, viewCell);
    }
    // Samples inside each range, away from the "62%" in the centre and from the lines at piece starts.
    const auto at = [&](double fraction) {
        return image.pixelColor(int(width * fraction), height / 2);
    };
    const QColor beforeSplit = at(0.125), firstWritten = at(0.31), firstLeft = at(0.44),
                 secondWritten = at(0.625), secondLeft = at(0.875);
    const QByteArray colours = QStringList { beforeSplit.name(), firstWritten.name(), firstLeft.name(),
                                             secondWritten.name(), secondLeft.name() }
                                   .join(u' ')
                                   .toLatin1();
    // A plain 62 % bar would fill firstLeft and leave secondWritten empty.
    QVERIFY2(firstWritten == beforeSplit, colours.constData());
    QVERIFY2(secondWritten == beforeSplit, colours.constData());
    QVERIFY2(firstLeft == secondLeft, colours.constData());
    QVERIFY2(firstLeft != firstWritten, colours.constData());
    // Written is drawn in the bar's fill colour (grey: the download is paused).
    QCOMPARE(beforeSplit, QColor(0x9e, 0x9e, 0x9e));
    // Inside the written part, a line marks where the first piece starts (a quarter of the way).
    bool line = false;
    for (int x = width / 4 - 10; x <= width / 4 + 10; ++x)
        line = line || image.pixelColor(x, height / 2) != beforeSplit;
    QVERIFY(line);
}

void TestMainWindow::connectionSettingsReachTheManager()
{
    makeWindow();
    m_window->action(MainWindow::Action::Settings)->trigger();
    SettingsDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<SettingsDialog *>()) && dialog->isVisible());
    auto *perFile = dialog->findChild<QSpinBox *>(u"connections"_s);
    auto *overall = dialog->findChild<QSpinBox *>(u"maxConnections"_s);
    QVERIFY(perFile);
    QVERIFY(overall);
    QCOMPARE(overall->value(), m_manager->options().maxConnections); // the default, 64
    perFile->setValue(4);
    overall->setValue(2);
    dialog->findChild<QDialogButtonBox *>(u"buttons"_s)->button(QDialogButtonBox::Ok)->click();
    QCOMPARE(m_manager->options().connectionsPerFile, 4); // live, without a restart
    QCOMPARE(m_manager->options().maxConnections, 2);

    // And it is in force: a file that 4 connections would share gets only 2.
    constexpr qint64 size = 6 * 1024 * 1024;
    m_server->setResponse("/capped.bin", TestHttpServer::generated(size, 16, 3 * 1024 * 1024));
    const int id = m_manager->add({ m_server->url("/capped.bin"), m_settings->downloadFolder(), {}, false });
    QVERIFY(waitIdle());
    QCOMPARE(m_manager->info(id).state, DownloadState::Finished);
    QCOMPARE(m_server->maxConcurrentRequests(), 2);

    // Remembered for the next start, under its own key.
    m_store->sync();
    QSettings reopened(m_dir->filePath(u"heiko.ini"_s), QSettings::IniFormat);
    QCOMPARE(reopened.value(u"engine/maxConnections"_s).toInt(), 2);
    QCOMPARE(reopened.value(u"engine/connectionsPerFile"_s).toInt(), 4);
    m_window.reset();
    m_manager.reset();
    makeWindow();
    QCOMPARE(m_manager->options().maxConnections, 2);
    QCOMPARE(m_manager->options().connectionsPerFile, 4);
}

void TestMainWindow::settingsKeepCommandLineValues()
{
    // `heiko --max-per-host 3 --timeout 7 --retry-wait ...`: the window runs with values the settings do not
    // hold. Opening Settings must show them and change nothing on disk; OK must not put the stored ones back.
    heiko::EngineOptions saved = m_settings->engineOptions();
    saved.maxConnectionsPerHost = 8;
    saved.timeout = std::chrono::seconds(180);
    m_settings->setEngineOptions(saved);
    m_store->sync();
    heiko::EngineOptions running = saved;
    running.maxConnectionsPerHost = 3;
    running.timeout = std::chrono::seconds(7);
    running.retryBaseDelay = std::chrono::milliseconds(20); // not in the dialog at all
    m_manager = std::make_unique<DownloadManager>(*m_log, running);
    m_window = std::make_unique<MainWindow>(*m_manager, *m_log, *m_settings);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    const QByteArray before = readFile(m_dir->filePath(u"heiko.ini"_s));

    const auto open = [this] {
        m_window->action(MainWindow::Action::Settings)->trigger();
        SettingsDialog *dialog = nullptr;
        for (SettingsDialog *d : m_window->findChildren<SettingsDialog *>()) {
            if (d->isVisible())
                dialog = d;
        }
        return dialog;
    };
    SettingsDialog *dialog = open();
    QVERIFY(dialog);
    QCOMPARE(dialog->findChild<QSpinBox *>(u"maxConnectionsPerHost"_s)->value(), 3);
    QCOMPARE(dialog->findChild<QSpinBox *>(u"timeout"_s)->value(), 7);
    dialog->findChild<QSpinBox *>(u"connections"_s)->setValue(2);
    dialog->findChild<QDialogButtonBox *>(u"buttons"_s)->button(QDialogButtonBox::Cancel)->click();
    m_store->sync();
    QCOMPARE(readFile(m_dir->filePath(u"heiko.ini"_s)), before); // looking is not saving
    QCOMPARE(m_manager->options().connectionsPerFile, running.connectionsPerFile);

    dialog = open();
    QVERIFY(dialog);
    dialog->findChild<QSpinBox *>(u"connections"_s)->setValue(2);
    dialog->findChild<QDialogButtonBox *>(u"buttons"_s)->button(QDialogButtonBox::Ok)->click();
    QCOMPARE(m_manager->options().connectionsPerFile, 2); // the change applies
    QCOMPARE(m_manager->options().maxConnectionsPerHost, 3); // the command line's values stay
    QCOMPARE(m_manager->options().timeout, std::chrono::milliseconds(7000));
    QCOMPARE(m_manager->options().retryBaseDelay, std::chrono::milliseconds(20));
    // What the dialog showed is what OK saved; what it does not show is saved as it was.
    QCOMPARE(m_settings->engineOptions().maxConnectionsPerHost, 3);
    QCOMPARE(m_settings->engineOptions().connectionsPerFile, 2);
    QCOMPARE(m_settings->engineOptions().retryBaseDelay, saved.retryBaseDelay);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
