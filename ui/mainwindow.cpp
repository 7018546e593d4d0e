#include "mainwindow.h"

#include "addurlsdialog.h"
#include "appsettings.h"
#include "downloadfilterproxy.h"
#include "downloadmanager.h"
#include "downloadtablemodel.h"
#include "filenaming.h"
#include "loghub.h"
#include "logmodel.h"
#include "logpanel.h"
#include "mimeurlreader.h"
#include "progressdelegate.h"
#include "secretmasking.h"
#include "settingsdialog.h"
#include "trayicon.h"
#include "units.h"
#include "urlextractor.h"
#include "urllist.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSet>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <utility>

using namespace Qt::StringLiterals;

namespace {

QIcon actionIcon(const QString &themeName, const QString &fallback)
{
    return QIcon::fromTheme(themeName, QIcon(u":/icons/actions/"_s + fallback + u".svg"_s));
}

} // namespace

MainWindow::MainWindow(heiko::DownloadManager &manager, heiko::LogHub &log, AppSettings &settings,
                       QWidget *parent)
    : QMainWindow(parent)
    , m_manager(manager)
    , m_log(log)
    , m_settings(settings)
{
    setWindowTitle(tr("Heiko"));
    setObjectName(u"mainWindow"_s);
    setAcceptDrops(true);
    m_statusTimer = new QTimer(this);
    m_statusTimer->setSingleShot(true);
    m_statusTimer->setInterval(200);
    connect(m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);

    buildActions();
    buildTable();
    scopeTableShortcuts();
    buildLogDock();
    buildMenus();
    buildToolBar();
    buildStatusBar();

    m_trayMenu = new QMenu(this);
    m_trayMenu->addAction(tr("Show Heiko"), this, &MainWindow::showAndRaise);
    m_trayMenu->addSeparator();
    m_trayMenu->addAction(m_actions.value(Action::PauseAll));
    m_trayMenu->addAction(m_actions.value(Action::ResumeAll));
    m_trayMenu->addSeparator();
    m_trayMenu->addAction(m_actions.value(Action::Quit));
    m_tray = new TrayIcon(m_trayMenu, this);
    connect(m_tray, &TrayIcon::activated, this, &MainWindow::showAndRaise);
    // Where there is no tray to show them, notifications still reach the status bar.
    connect(m_tray, &TrayIcon::notified, this,
            [this](const QString &title, const QString &message) { showMessage(title + u": " + message); });

    connect(&manager, &heiko::DownloadManager::downloadAdded, this, &MainWindow::scheduleStatusUpdate);
    connect(&manager, &heiko::DownloadManager::downloadChanged, this, &MainWindow::scheduleStatusUpdate);
    connect(&manager, &heiko::DownloadManager::downloadRemoved, this, &MainWindow::scheduleStatusUpdate);
    connect(&manager, &heiko::DownloadManager::progressUpdated, this, &MainWindow::scheduleStatusUpdate);
    connect(&manager, &heiko::DownloadManager::workersChanged, this, &MainWindow::scheduleStatusUpdate);
    m_actionsTimer = new QTimer(this);
    m_actionsTimer->setSingleShot(true);
    connect(m_actionsTimer, &QTimer::timeout, this, &MainWindow::updateActions);
    // A state change may enable or disable actions for the selection: checked once per event loop pass,
    // not once per download (Start on 10,000 rows changes 10,000 of them).
    connect(&manager, &heiko::DownloadManager::downloadChanged, this, [this] {
        if (!m_actionsTimer->isActive())
            m_actionsTimer->start(0);
    });
    connect(&manager, &heiko::DownloadManager::downloadFailed, this, &MainWindow::handleDownloadFailed);
    connect(&manager, &heiko::DownloadManager::idle, this, &MainWindow::handleIdle);
    connect(&manager, &heiko::DownloadManager::downloadFinished, this, [this] { ++m_finishedSinceIdle; });
    m_failureTimer = new QTimer(this);
    m_failureTimer->setSingleShot(true);
    m_failureTimer->setInterval(1500);
    connect(m_failureTimer, &QTimer::timeout, this, &MainWindow::notifyFailures);

    resize(1100, 720);
    restoreGeometry(m_settings.windowGeometry());
    restoreState(m_settings.windowState());
    m_table->horizontalHeader()->restoreState(m_settings.tableHeaderState());
    updateActions();
    updateStatus();
}

MainWindow::~MainWindow()
{
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.setTableHeaderState(m_table->horizontalHeader()->saveState());
    m_settings.sync();
}

void MainWindow::buildActions()
{
    const auto make = [this](Action which, const QString &text, const QIcon &icon,
                             const QKeySequence &shortcut, const QString &tip) {
        auto *action = new QAction(icon, text, this);
        action->setShortcut(shortcut);
        action->setToolTip(
            shortcut.isEmpty() ? tip : tip + u" (" + shortcut.toString(QKeySequence::NativeText) + u')');
        action->setStatusTip(tip);
        m_actions.insert(which, action);
        return action;
    };
    make(Action::Add, tr("&Add URLs…"), actionIcon(u"list-add"_s, u"add"_s), QKeySequence::New,
         tr("Add links to download"));
    make(Action::Paste, tr("&Paste URLs"), actionIcon(u"edit-paste"_s, u"add"_s), QKeySequence::Paste,
         tr("Add the links on the clipboard"));
    make(Action::Start, tr("&Start"), actionIcon(u"media-playback-start"_s, u"start"_s), tr("Ctrl+R"),
         tr("Start or resume the selected downloads"));
    make(Action::Pause, tr("Pa&use"), actionIcon(u"media-playback-pause"_s, u"pause"_s), tr("Ctrl+P"),
         tr("Pause the selected downloads (their .part files stay)"));
    make(Action::Cancel, tr("&Cancel"), actionIcon(u"process-stop"_s, u"cancel"_s), tr("Ctrl+Backspace"),
         tr("Stop the selected downloads and delete what they downloaded"));
    make(Action::Retry, tr("&Retry"), actionIcon(u"view-refresh"_s, u"retry"_s), tr("Ctrl+Shift+R"),
         tr("Try the selected failed downloads again"));
    make(Action::Remove, tr("Re&move"), actionIcon(u"list-remove"_s, u"remove"_s), QKeySequence::Delete,
         tr("Remove the selected downloads from the list (finished files stay on disk; unfinished ones lose "
            "what they downloaded)"));
    make(Action::RemoveWithFiles, tr("Remove and &Delete Files"), actionIcon(u"edit-delete"_s, u"remove"_s),
         tr("Shift+Del"), tr("Remove the selected downloads and delete their files"));
    make(Action::OpenFile, tr("&Open File"), actionIcon(u"document-open"_s, u"open-file"_s), tr("Ctrl+O"),
         tr("Open the selected finished file"));
    make(Action::OpenFolder, tr("Open &Folder"), actionIcon(u"folder-open"_s, u"open-folder"_s),
         tr("Ctrl+Shift+O"), tr("Show the folder that holds the selected download"));
    make(Action::CopyUrl, tr("&Copy URL"), actionIcon(u"edit-copy"_s, u"copy"_s), tr("Ctrl+Shift+C"),
         tr("Copy the selected downloads' URLs (without passwords)"));
    make(Action::LimitSpeed, tr("&Limit Speed…"), actionIcon(u"preferences-system"_s, u"settings"_s),
         QKeySequence(), tr("A speed limit for the selected downloads, applied at once"));
    make(Action::PauseAll, tr("Pause &All"), actionIcon(u"media-playback-pause"_s, u"pause"_s),
         tr("Ctrl+Shift+P"), tr("Pause every download"));
    make(Action::ResumeAll, tr("Resume A&ll"), actionIcon(u"media-playback-start"_s, u"start"_s),
         tr("Ctrl+Shift+S"), tr("Resume every paused download"));
    make(Action::Settings, tr("&Settings…"), actionIcon(u"preferences-system"_s, u"settings"_s),
         QKeySequence::Preferences, tr("Workers, folder, timeouts, retries and more"));
    make(Action::Quit, tr("&Quit"), actionIcon(u"application-exit"_s, u"cancel"_s), QKeySequence::Quit,
         tr("Quit Heiko (unfinished downloads keep their .part files)"));

    connect(m_actions.value(Action::Add), &QAction::triggered, this, [this] { openAddDialog(); });
    connect(m_actions.value(Action::Paste), &QAction::triggered, this, [this] {
        handleMimeData(QGuiApplication::clipboard()->mimeData(), MimeUrlReader::Origin::Clipboard);
    });
    connect(m_actions.value(Action::Start), &QAction::triggered, this,
            [this] { forSelected(&heiko::DownloadManager::resume); });
    connect(m_actions.value(Action::Pause), &QAction::triggered, this,
            [this] { forSelected(&heiko::DownloadManager::pause); });
    connect(m_actions.value(Action::Cancel), &QAction::triggered, this, &MainWindow::cancelSelected);
    connect(m_actions.value(Action::Retry), &QAction::triggered, this,
            [this] { forSelected(&heiko::DownloadManager::resume); });
    connect(m_actions.value(Action::Remove), &QAction::triggered, this, [this] { removeSelected(false); });
    connect(m_actions.value(Action::RemoveWithFiles), &QAction::triggered, this,
            [this] { removeSelected(true); });
    connect(m_actions.value(Action::OpenFile), &QAction::triggered, this, &MainWindow::openSelectedFile);
    connect(m_actions.value(Action::LimitSpeed), &QAction::triggered, this, &MainWindow::limitSelected);
    connect(m_actions.value(Action::OpenFolder), &QAction::triggered, this, &MainWindow::openSelectedFolder);
    connect(m_actions.value(Action::CopyUrl), &QAction::triggered, this, &MainWindow::copySelectedUrls);
    connect(m_actions.value(Action::PauseAll), &QAction::triggered, &m_manager,
            &heiko::DownloadManager::pauseAll);
    connect(m_actions.value(Action::ResumeAll), &QAction::triggered, &m_manager,
            &heiko::DownloadManager::resumeAll);
    connect(m_actions.value(Action::Settings), &QAction::triggered, this, [this] {
        // The dialog shows what runs now (values from the command line included), so that OK keeps them.
        auto *dialog = new SettingsDialog(m_settings, m_manager.options(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &SettingsDialog::settingsApplied, this, &MainWindow::applySettings);
        connect(dialog, &SettingsDialog::notSaved, this, [this](const QString &problem) {
            m_log.warning(HEIKO_HERE, u"[settings] "_s + problem);
            showMessage(problem);
        });
        dialog->open();
    });
    connect(m_actions.value(Action::Quit), &QAction::triggered, this, [this] {
        if (confirmQuit())
            quitNow();
    });
    for (QAction *action : std::as_const(m_actions))
        addAction(action); // shortcuts work wherever the focus is in the window
}

void MainWindow::scopeTableShortcuts()
{
    // Keys that mean something else elsewhere (Delete and Ctrl+A in the log or the filter box) act on
    // downloads only while the table has the focus; the toolbar and menus still reach them anywhere.
    for (const Action which : { Action::Remove, Action::RemoveWithFiles }) {
        QAction *action = m_actions.value(which);
        removeAction(action);
        m_table->addAction(action);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    }
    auto *copy = new QAction(this);
    copy->setShortcut(QKeySequence::Copy); // Ctrl+C in the table copies the URLs, not one cell's text
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copy, &QAction::triggered, this, &MainWindow::copySelectedUrls);
    m_table->addAction(copy);
}

void MainWindow::buildTable()
{
    m_model = new DownloadTableModel(m_manager, this);
    m_proxy = new DownloadFilterProxy(this);
    m_proxy->setSourceModel(m_model);

    m_table = new QTableView(this);
    m_table->setObjectName(u"downloads"_s);
    m_table->setModel(m_proxy);
    m_table->setItemDelegateForColumn(DownloadTableModel::Progress, new ProgressDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // queue order until the user clicks a header
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->verticalHeader()->hide();
    // Fixed row heights: 10,000 rows must not be measured one by one.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    QHeaderView *header = m_table->horizontalHeader();
    header->setStretchLastSection(true);
    header->setSectionsMovable(true);
    const QList<int> widths { 280, 140, 80, 80, 90, 60, 110, 70 };
    for (int column = 0; column < widths.size(); ++column)
        header->resizeSection(column, widths.at(column));

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(u"downloadFilter"_s);
    m_filter->setPlaceholderText(tr("Filter by name or URL"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAcceptDrops(false); // a drop anywhere queues links, even on the filter box
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &DownloadFilterProxy::setFilterText);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);
    layout->addWidget(m_filter);
    layout->addWidget(m_table);
    setCentralWidget(central);

    m_contextMenu = new QMenu(this);
    for (const Action which : { Action::Start, Action::Pause, Action::Cancel, Action::Retry })
        m_contextMenu->addAction(m_actions.value(which));
    m_contextMenu->addSeparator();
    for (const Action which : { Action::OpenFile, Action::OpenFolder, Action::CopyUrl, Action::LimitSpeed })
        m_contextMenu->addAction(m_actions.value(which));
    m_contextMenu->addSeparator();
    m_contextMenu->addAction(m_actions.value(Action::Remove));
    m_contextMenu->addAction(m_actions.value(Action::RemoveWithFiles));
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &position) {
        m_contextMenu->popup(m_table->viewport()->mapToGlobal(position));
    });
    connect(m_table, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        const auto state = heiko::DownloadState(index.data(DownloadTableModel::StateRole).toInt());
        if (state == heiko::DownloadState::Finished)
            openFile(index.data(DownloadTableModel::IdRole).toInt());
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::handleSelectionChanged);
}

void MainWindow::buildLogDock()
{
    m_logPanel = new LogPanel(m_log, this);
    m_model->setWorkerColors(
        [model = m_logPanel->model()](quint64 thread) { return model->threadColor(thread); });
    auto *dock = new QDockWidget(tr("Log"), this);
    dock->setObjectName(u"logDock"_s);
    dock->setWidget(m_logPanel);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    m_logFollowsSelection = new QAction(tr("Log Shows &Selected Downloads Only"), this);
    m_logFollowsSelection->setCheckable(true);
    m_logFollowsSelection->setChecked(true);
    m_logFollowsSelection->setStatusTip(tr("While downloads are selected, the log shows only their records"));
    connect(m_logFollowsSelection, &QAction::toggled, this, &MainWindow::handleSelectionChanged);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_actions.value(Action::Add));
    file->addAction(m_actions.value(Action::Paste));
    file->addSeparator();
    file->addAction(m_actions.value(Action::Settings));
    file->addSeparator();
    file->addAction(m_actions.value(Action::Quit));

    QMenu *downloads = menuBar()->addMenu(tr("&Downloads"));
    for (const Action which : { Action::Start, Action::Pause, Action::Cancel, Action::Retry })
        downloads->addAction(m_actions.value(which));
    downloads->addSeparator();
    downloads->addAction(m_actions.value(Action::PauseAll));
    downloads->addAction(m_actions.value(Action::ResumeAll));
    downloads->addSeparator();
    for (const Action which : { Action::OpenFile, Action::OpenFolder, Action::CopyUrl })
        downloads->addAction(m_actions.value(which));
    downloads->addSeparator();
    downloads->addAction(m_actions.value(Action::Remove));
    downloads->addAction(m_actions.value(Action::RemoveWithFiles));
    downloads->addSeparator();
    QAction *selectAll = downloads->addAction(tr("Select &All"), m_table, &QAbstractItemView::selectAll);
    selectAll->setShortcut(QKeySequence::SelectAll);
    selectAll->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(selectAll);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(findChild<QDockWidget *>(u"logDock"_s)->toggleViewAction());
    view->addAction(m_logFollowsSelection);
    view->addAction(tr("&Filter Downloads"), QKeySequence::Find, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
}

void MainWindow::buildToolBar()
{
    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(u"mainToolbar"_s);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_actions.value(Action::Add));
    toolbar->addSeparator();
    for (const Action which : { Action::Start, Action::Pause, Action::Cancel, Action::Retry, Action::Remove })
        toolbar->addAction(m_actions.value(which));
    toolbar->addSeparator();
    toolbar->addAction(m_actions.value(Action::OpenFolder));
    toolbar->addSeparator();
    auto *label = new QLabel(tr("Workers "), this);
    toolbar->addWidget(label);
    m_workers = new QSpinBox(this);
    m_workers->setObjectName(u"maxWorkers"_s);
    m_workers->setRange(1, heiko::EngineOptions::kMaxWorkersLimit);
    m_workers->setValue(m_manager.maxWorkers());
    m_workers->setToolTip(tr("Worker threads: how many files download at once. Applies at once."));
    // Typed numbers apply when complete (Enter, or leaving the box), not at every keystroke: typing "16"
    // would start one worker first, typing a limit of 2000 would apply, log and save 2, 20 and 200 on
    // the way. The arrows and the wheel still apply at once.
    m_workers->setKeyboardTracking(false);
    label->setBuddy(m_workers);
    connect(m_workers, &QSpinBox::valueChanged, this, [this](int workers) {
        m_manager.setMaxWorkers(workers);
        heiko::EngineOptions options = m_settings.engineOptions();
        options.maxWorkers = workers;
        m_settings.setEngineOptions(options);
    });
    toolbar->addWidget(m_workers);
    auto *limitLabel = new QLabel(tr("  Speed limit "), this);
    toolbar->addWidget(limitLabel);
    m_overallLimit = new QSpinBox(this);
    m_overallLimit->setObjectName(u"overallLimit"_s);
    m_overallLimit->setRange(0, 10'000'000);
    m_overallLimit->setSingleStep(100);
    m_overallLimit->setSuffix(tr(" KiB/s"));
    m_overallLimit->setSpecialValueText(tr("none"));
    m_overallLimit->setValue(
        heiko::units::rateAsKiB(m_manager.overallRateLimit(), m_overallLimit->maximum()));
    m_overallLimit->setToolTip(tr("All downloads together at most this fast. Applies at once."));
    m_overallLimit->setKeyboardTracking(false);
    limitLabel->setBuddy(m_overallLimit);
    connect(m_overallLimit, &QSpinBox::valueChanged, this, [this](int kib) {
        m_manager.setOverallRateLimit(qint64(kib) * 1024);
        heiko::EngineOptions options = m_settings.engineOptions();
        options.overallRateLimit = qint64(kib) * 1024;
        m_settings.setEngineOptions(options);
    });
    toolbar->addWidget(m_overallLimit);
    toolbar->addSeparator();
    toolbar->addAction(m_actions.value(Action::Settings));
}

void MainWindow::buildStatusBar()
{
    m_countsLabel = new QLabel(this);
    m_countsLabel->setObjectName(u"statusCounts"_s);
    m_speedLabel = new QLabel(this);
    m_speedLabel->setObjectName(u"statusSpeed"_s);
    m_workersLabel = new QLabel(this);
    m_workersLabel->setObjectName(u"statusWorkers"_s);
    statusBar()->addPermanentWidget(m_countsLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
    statusBar()->addPermanentWidget(m_workersLabel);
}

void MainWindow::applySettings(const heiko::EngineOptions &engine)
{
    m_manager.setOptions(engine);
    const QSignalBlocker blocker(m_workers);
    m_workers->setValue(m_manager.maxWorkers());
    const QSignalBlocker limitBlocker(m_overallLimit);
    m_overallLimit->setValue(
        heiko::units::rateAsKiB(m_manager.overallRateLimit(), m_overallLimit->maximum()));
    scheduleStatusUpdate();
}

QList<int> MainWindow::selectedIds() const
{
    // From the selection's ranges, not selectedRows(): that asks every row whether it is selected, which is
    // quadratic for a scattered selection of thousands of rows. Rows are always selected whole.
    QList<int> ids;
    const QItemSelection selection = m_table->selectionModel()->selection();
    for (const QItemSelectionRange &range : selection) {
        if (range.left() != 0)
            continue; // the same rows appear once per column block; the first block is enough
        for (int row = range.top(); row <= range.bottom(); ++row)
            ids.append(m_model->idAt(m_proxy->mapToSource(m_proxy->index(row, 0)).row()));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

void MainWindow::forSelected(void (heiko::DownloadManager::*method)(int))
{
    const QList<int> ids = selectedIds();
    {
        const BulkUpdate bulk(*this);
        for (const int id : ids)
            (m_manager.*method)(id);
    }
    updateActions();
}

MainWindow::BulkUpdate::BulkUpdate(MainWindow &window)
    : m_window(window)
{
    ++m_window.m_bulkDepth;
    m_window.m_model->beginBulkUpdate();
}

MainWindow::BulkUpdate::~BulkUpdate()
{
    m_window.m_model->endBulkUpdate();
    if (--m_window.m_bulkDepth == 0)
        m_window.handleSelectionChanged();
}

bool MainWindow::confirm(const QString &title, const QString &text, const QString &acceptText)
{
    QMessageBox box(QMessageBox::Question, title, text, QMessageBox::Cancel, this);
    QPushButton *accept = box.addButton(acceptText, QMessageBox::AcceptRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    return box.clickedButton() == accept;
}

qint64 MainWindow::unfinishedBytes(const QList<int> &ids) const
{
    qint64 bytes = 0;
    for (const int id : ids) {
        const int row = m_model->rowOf(id);
        if (row < 0)
            continue;
        const heiko::DownloadInfo &info = m_model->infoAt(row);
        if (info.state != heiko::DownloadState::Finished)
            bytes += info.bytesReceived;
    }
    return bytes;
}

void MainWindow::removeSelected(bool deleteFiles)
{
    const QList<int> ids = selectedIds();
    if (ids.isEmpty())
        return;
    const qint64 unfinished = unfinishedBytes(ids);
    if (deleteFiles) {
        if (!confirm(tr("Delete files"),
                     tr("Remove %n download(s) from the list and delete their files from disk?", nullptr,
                        int(ids.size())),
                     tr("Delete Files")))
            return;
    } else if (unfinished > 0
               && !confirm(
                   tr("Remove unfinished downloads"),
                   tr("Some of these downloads are not finished. Removing them deletes the %1 they have "
                      "downloaded so far; finished files stay on disk. Pause them instead to keep it.")
                       .arg(heiko::units::formatBytes(unfinished)),
                   tr("Remove"))) {
        return;
    }
    {
        const BulkUpdate bulk(*this);
        for (const int id : ids)
            m_manager.remove(id, deleteFiles);
    }
    updateActions();
}

void MainWindow::cancelSelected()
{
    const QList<int> ids = selectedIds();
    const qint64 unfinished = unfinishedBytes(ids);
    if (unfinished > 0
        && !confirm(tr("Cancel downloads"),
                    tr("Cancelling deletes the %1 downloaded so far. Pause instead to keep it.")
                        .arg(heiko::units::formatBytes(unfinished)),
                    tr("Cancel Downloads")))
        return;
    forSelected(&heiko::DownloadManager::cancel);
}

void MainWindow::openSelectedFile()
{
    for (const int id : selectedIds()) {
        if (m_manager.info(id).state == heiko::DownloadState::Finished) {
            openFile(id);
            return;
        }
    }
}

void MainWindow::openFile(int id)
{
    const heiko::DownloadInfo info = m_manager.info(id);
    if (info.filePath.isEmpty() || !QFileInfo::exists(info.filePath)) {
        showMessage(tr("%1 is not there any more: it was moved or deleted")
                        .arg(QDir::toNativeSeparators(info.filePath)));
        return;
    }
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(info.filePath)))
        showMessage(tr("No application is set to open %1; open it from its folder").arg(info.fileName));
}

void MainWindow::openSelectedFolder()
{
    const QList<int> ids = selectedIds();
    if (ids.isEmpty())
        return;
    const heiko::DownloadInfo info = m_manager.info(ids.first());
    const QString folder = info.filePath.isEmpty() ? info.directory : QFileInfo(info.filePath).absolutePath();
    if (!QFileInfo(folder).isDir()) {
        showMessage(tr("The folder %1 does not exist yet: it is created when the download starts")
                        .arg(QDir::toNativeSeparators(folder)));
        return;
    }
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder)))
        showMessage(tr("No file manager is set to open %1").arg(QDir::toNativeSeparators(folder)));
}

void MainWindow::limitSelected()
{
    const QList<int> ids = selectedIds();
    if (ids.isEmpty())
        return;
    constexpr int kMaxKiB = 10'000'000;
    bool ok = false;
    const int kib = QInputDialog::getInt(
        this, tr("Limit speed"),
        tr("Speed limit for %n download(s) in KiB/s (0 = no limit):", nullptr, int(ids.size())),
        heiko::units::rateAsKiB(m_manager.rateLimit(ids.first()), kMaxKiB), 0, kMaxKiB, 100, &ok);
    if (!ok)
        return;
    for (const int id : ids) // one whose limit the dialog showed rounded keeps it exactly
        m_manager.setRateLimit(id, heiko::units::rateFromField(kib, kMaxKiB, m_manager.rateLimit(id)));
}

void MainWindow::copySelectedUrls()
{
    QStringList urls;
    for (const int id : selectedIds())
        urls.append(m_manager.info(id).url.toString(QUrl::RemovePassword | QUrl::FullyEncoded));
    if (!urls.isEmpty())
        QGuiApplication::clipboard()->setText(urls.join(u'\n') + u'\n');
}

void MainWindow::handleSelectionChanged()
{
    if (m_bulkDepth > 0)
        return; // once, when the bulk action ends
    updateActions();
    if (!m_logFollowsSelection->isChecked()) {
        m_logPanel->setDownloadFilter({});
        return;
    }
    const QList<int> ids = selectedIds();
    m_logPanel->setDownloadFilter(QSet<int>(ids.cbegin(), ids.cend()));
}

void MainWindow::updateActions()
{
    bool anyStartable = false;
    bool anyRunning = false;
    bool anyCancellable = false;
    bool anyFailed = false;
    bool anyFinished = false;
    const QList<int> ids = selectedIds();
    for (const int id : ids) {
        const int row = m_model->rowOf(id);
        if (row < 0)
            continue;
        switch (m_model->infoAt(row).state) {
        case heiko::DownloadState::Queued:
        case heiko::DownloadState::Running:
            anyRunning = true;
            anyCancellable = true;
            break;
        case heiko::DownloadState::Paused:
            anyStartable = true;
            anyCancellable = true;
            break;
        case heiko::DownloadState::Failed:
        case heiko::DownloadState::Cancelled:
            anyStartable = true;
            anyFailed = true;
            break;
        case heiko::DownloadState::Finished:
            anyFinished = true;
            break;
        }
    }
    const bool any = !ids.isEmpty();
    m_actions.value(Action::Start)->setEnabled(anyStartable);
    m_actions.value(Action::Pause)->setEnabled(anyRunning);
    m_actions.value(Action::Cancel)->setEnabled(anyCancellable);
    m_actions.value(Action::Retry)->setEnabled(anyFailed);
    m_actions.value(Action::Remove)->setEnabled(any);
    m_actions.value(Action::RemoveWithFiles)->setEnabled(any);
    m_actions.value(Action::OpenFile)->setEnabled(anyFinished);
    m_actions.value(Action::OpenFolder)->setEnabled(any);
    m_actions.value(Action::CopyUrl)->setEnabled(any);
    m_actions.value(Action::LimitSpeed)->setEnabled(any);
}

void MainWindow::scheduleStatusUpdate()
{
    if (!m_statusTimer->isActive())
        m_statusTimer->start();
}

QString MainWindow::statusSummary() const
{
    const heiko::DownloadManager::StateCounts counts = m_manager.stateCounts();
    // Paused ones apart: "queued" would promise that they start by themselves.
    return tr("%1 running · %2 queued · %3 paused · %4 finished · %5 failed")
        .arg(counts.running)
        .arg(counts.queued)
        .arg(counts.paused)
        .arg(counts.finished)
        .arg(counts.failed + counts.cancelled);
}

void MainWindow::updateStatus()
{
    m_countsLabel->setText(statusSummary());
    double speed = 0.0;
    qint64 received = 0;
    qint64 total = 0;
    bool totalKnown = true;
    for (const int id : m_manager.runningIds()) {
        const int row = m_model->rowOf(id);
        if (row < 0)
            continue;
        const heiko::DownloadInfo &info = m_model->infoAt(row);
        speed += info.bytesPerSecond;
        received += info.bytesReceived;
        if (info.bytesTotal < 0)
            totalKnown = false;
        else
            total += info.bytesTotal;
    }
    m_speedLabel->setText(heiko::units::formatSpeed(speed));
    m_workersLabel->setText(tr("Workers %1 / %2").arg(m_manager.busyWorkers()).arg(m_manager.maxWorkers()));
    QString tip = tr("Heiko — %1").arg(statusSummary());
    if (received > 0 && totalKnown && total > 0)
        tip += tr("\n%1% of %2 at %3")
                   .arg(int(double(received) * 100.0 / double(total)))
                   .arg(heiko::units::formatBytes(total), heiko::units::formatSpeed(speed));
    m_tray->setToolTip(tip);
    if (m_workers->value() != m_manager.maxWorkers()) {
        const QSignalBlocker blocker(m_workers);
        m_workers->setValue(m_manager.maxWorkers());
    }
}

void MainWindow::showMessage(const QString &message)
{
    m_lastMessage = message;
    statusBar()->showMessage(message, 15'000);
}

void MainWindow::handleDownloadFailed(int id)
{
    ++m_failedSinceIdle;
    if (!m_settings.notifications())
        return;
    // Failures that come together (the network went away) make one notification, not one each.
    m_failedToNotify.append(id);
    if (!m_failureTimer->isActive())
        m_failureTimer->start();
}

void MainWindow::notifyFailures()
{
    const QList<int> ids = std::exchange(m_failedToNotify, {});
    if (ids.isEmpty())
        return;
    const heiko::DownloadInfo first = m_manager.info(ids.first());
    if (ids.size() == 1) {
        m_tray->notify(tr("Download failed: %1").arg(first.fileName), first.error.message(), true);
        return;
    }
    m_tray->notify(tr("%n downloads failed", nullptr, int(ids.size())),
                   tr("%1 and %n more; the first: %2", nullptr, int(ids.size() - 1))
                       .arg(first.fileName, first.error.message()),
                   true);
}

void MainWindow::handleIdle()
{
    updateActions();
    scheduleStatusUpdate();
    notifyFailures();
    const int finished = std::exchange(m_finishedSinceIdle, 0);
    const int failed = std::exchange(m_failedSinceIdle, 0);
    // Idle after Pause All is the user's doing, not news.
    if (!m_settings.notifications() || finished + failed == 0)
        return;
    m_tray->notify(tr("Downloads finished"), tr("%1 finished, %2 failed").arg(finished).arg(failed),
                   failed > 0);
}

int MainWindow::queueUrls(const QStringList &urls, const QString &directory)
{
    if (urls.isEmpty())
        return 0;
    // Lines as a list file has them: URLs, and option lines (out=, dir=) that belong to the URL above.
    const heiko::UrlList list = heiko::UrlList::parse(urls.join(u'\n').toUtf8());
    for (const heiko::UrlList::Rejected &rejected : list.rejected())
        m_log.warning(HEIKO_HERE, u"[add] skipped %1: %2"_s.arg(rejected.text, rejected.reason));
    for (const heiko::UrlList::Rejected &warning : list.warnings())
        m_log.warning(HEIKO_HERE, u"[add] %1: %2"_s.arg(warning.text, warning.reason));
    const QString base = directory.isEmpty() ? m_settings.downloadFolder() : directory;
    int queued = 0;
    int skipped = int(list.rejected().size());
    for (const heiko::UrlList::Entry &entry : list.entries()) {
        heiko::DownloadRequest request;
        request.url = entry.url;
        request.fileName = entry.fileName;
        request.directory = base;
        if (!entry.directory.isEmpty()) {
            // A list may come from anyone: its dir= stays inside the target folder.
            const QString subfolder = heiko::naming::safeSubfolder(entry.directory);
            if (subfolder.isEmpty()) {
                m_log.warning(HEIKO_HERE,
                              u"[add] skipped %1: dir=%2 must name a folder inside the target folder (no "
                              u"absolute path, no ..)"_s.arg(heiko::secrets::maskedUrl(entry.url),
                                                             entry.directory.left(120)));
                ++skipped;
                continue;
            }
            request.directory = QDir(base).filePath(subfolder);
        }
        request.startPaused = !m_settings.startAutomatically();
        m_manager.add(request);
        ++queued;
    }
    if (skipped > 0)
        showMessage(tr("%n line(s) could not be queued and were skipped; see the log", nullptr, skipped));
    return queued;
}

AddUrlsDialog *MainWindow::openAddDialog(const QString &text)
{
    if (m_addDialog && m_addDialog->isVisible()) {
        if (!text.isEmpty())
            m_addDialog->setText(text);
        m_addDialog->raise();
        m_addDialog->activateWindow();
        return m_addDialog;
    }
    QSet<QString> queued;
    for (const int id : m_manager.ids())
        queued.insert(heiko::UrlExtractor::normalizedUrl(m_manager.info(id).url));
    auto *dialog = new AddUrlsDialog(queued, m_settings.downloadFolder(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setStartPaused(!m_settings.startAutomatically());
    if (!text.isEmpty())
        dialog->setText(text);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { addRequestsFromDialog(dialog); });
    m_addDialog = dialog;
    dialog->open();
    return dialog;
}

void MainWindow::addRequestsFromDialog(AddUrlsDialog *dialog)
{
    const QList<heiko::DownloadRequest> requests = dialog->requests();
    for (const heiko::DownloadRequest &request : requests)
        m_manager.add(request);
    showMessage(tr("Added %n download(s)", nullptr, int(requests.size())));
}

void MainWindow::handleMimeData(const QMimeData *mime, MimeUrlReader::Origin origin)
{
    if (!mime) {
        showMessage(tr("The clipboard is empty: copy some links first"));
        return;
    }
    // The drop's data must be copied now (it belongs to the drag); reading it may take a while for a
    // 100 MB paste or dropped list files, and then happens on a pool thread so that the window stays live.
    const MimeUrlReader::Snapshot snapshot = MimeUrlReader::snapshot(*mime);
    qint64 weight = snapshot.uriList.size() + snapshot.html.size() + snapshot.text.size();
    if (mime->hasUrls()) {
        for (const QUrl &url : mime->urls()) {
            if (url.isLocalFile())
                weight += QFileInfo(url.toLocalFile()).size();
        }
    }
    constexpr qint64 kReadInBackgroundBytes = 1024 * 1024;
    if (weight < kReadInBackgroundBytes) {
        showReadResult(MimeUrlReader::read(snapshot, origin));
        return;
    }
    showMessage(tr("Reading the links you dropped…"));
    auto *watcher = new QFutureWatcher<MimeUrlReader::Result>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        watcher->deleteLater();
        showReadResult(watcher->result());
    });
    watcher->setFuture(
        QtConcurrent::run([snapshot, origin] { return MimeUrlReader::read(snapshot, origin); }));
}

void MainWindow::showReadResult(const MimeUrlReader::Result &read)
{
    if (!read.refusal.isEmpty()) {
        showMessage(read.refusal);
        m_log.warning(HEIKO_HERE, u"[add] "_s + read.refusal);
        return;
    }
    AddUrlsDialog *dialog = openAddDialog();
    dialog->appendUrlList(read.urls);
}

namespace {

// Heiko only reads what is dropped: always a copy. Accepting the move a source proposes (a text editor
// does, and a Shift-drag asks for one) would make the source delete the links it let go of.
bool acceptAsCopy(QDropEvent *event)
{
    if (!(event->possibleActions() & Qt::CopyAction)) {
        event->ignore();
        return false;
    }
    event->setDropAction(Qt::CopyAction);
    event->accept();
    return true;
}

} // namespace

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    // Accept anything that might hold links; what it really holds is decided on drop, where a refusal can
    // say why.
    const QMimeData *mime = event->mimeData();
    if (mime->hasUrls() || mime->hasText() || mime->hasHtml())
        acceptAsCopy(event);
    else
        event->ignore();
}

void MainWindow::dragMoveEvent(QDragMoveEvent *event)
{
    acceptAsCopy(event);
}

void MainWindow::dropEvent(QDropEvent *event)
{
    if (acceptAsCopy(event))
        handleMimeData(event->mimeData());
}

void MainWindow::showAndRaise()
{
    show();
    setWindowState((windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
    raise();
    activateWindow();
}

bool MainWindow::confirmQuit()
{
    if (m_manager.isIdle())
        return true;
    const heiko::DownloadManager::StateCounts counts = m_manager.stateCounts();
    return confirm(
        tr("Quit Heiko"),
        tr("%1 download(s) are running or stopping and %2 are queued. Quit anyway? Unfinished downloads "
           "keep what they downloaded and continue when Heiko starts again.")
            .arg(m_manager.busyWorkers())
            .arg(counts.queued),
        tr("Quit"));
}

void MainWindow::quitNow()
{
    m_quitConfirmed = true;
    QApplication::quit(); // closes every window, this one included, without asking again
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_quitConfirmed) {
        event->accept();
        return;
    }
    if (m_settings.closeToTray() && m_tray->isAvailable()) {
        hide();
        event->ignore();
        if (!m_toldAboutTray) {
            m_toldAboutTray = true;
            m_tray->notify(tr("Heiko is still running"),
                           tr("Downloads go on in the background; use the tray icon to come back or quit."),
                           false);
        }
        return;
    }
    if (!confirmQuit()) {
        event->ignore();
        return;
    }
    event->accept();
    quitNow();
}
