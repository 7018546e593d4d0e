#include "mainwindow.h"

#include "downloadmanager.h"
#include "downloadtablemodel.h"
#include "loghub.h"
#include "logmodel.h"
#include "urllist.h"

#include <QDockWidget>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>

using namespace Qt::StringLiterals;

MainWindow::MainWindow(heiko::DownloadManager &manager, heiko::LogHub &log, QString directory, QWidget *parent)
    : QMainWindow(parent)
    , m_manager(manager)
    , m_log(log)
    , m_directory(std::move(directory))
{
    setWindowTitle(tr("Heiko"));
    m_model = new DownloadTableModel(manager, this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(DownloadTableModel::SortRole);
    m_table = new QTableView(this);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    setCentralWidget(m_table);

    m_logModel = new LogModel(log, 50'000, this);
    m_logView = new QTableView(this);
    m_logView->setModel(m_logModel);
    m_logView->verticalHeader()->hide();
    m_logView->horizontalHeader()->setStretchLastSection(true);
    auto *dock = new QDockWidget(tr("Log"), this);
    dock->setObjectName(u"logDock"_s);
    dock->setWidget(m_logView);
    addDockWidget(Qt::BottomDockWidgetArea, dock);

    buildActions();
    connect(&manager, &heiko::DownloadManager::workersChanged, this, &MainWindow::handleWorkersChanged);
    handleWorkersChanged(manager.busyWorkers(), manager.maxWorkers());
    resize(1100, 700);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions()
{
    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(u"mainToolbar"_s);
    toolbar->addAction(tr("Add URLs…"), this, [this] {
        bool ok = false;
        const QString text = QInputDialog::getMultiLineText(this, tr("Add URLs"), tr("One URL per line:"), {}, &ok);
        if (ok)
            addUrlsFromText(text);
    });
    toolbar->addSeparator();
    toolbar->addWidget(new QLabel(tr("Workers "), this));
    m_workers = new QSpinBox(this);
    m_workers->setRange(1, heiko::EngineOptions::kMaxWorkersLimit);
    m_workers->setValue(m_manager.maxWorkers());
    m_workers->setToolTip(tr("Worker threads: how many files download at once"));
    connect(m_workers, &QSpinBox::valueChanged, &m_manager, &heiko::DownloadManager::setMaxWorkers);
    toolbar->addWidget(m_workers);
}

void MainWindow::handleWorkersChanged(int busy, int max)
{
    statusBar()->showMessage(tr("Workers busy: %1 / %2").arg(busy).arg(max));
    if (m_workers->value() != max)
        m_workers->setValue(max);
}

int MainWindow::addUrlsFromText(const QString &text)
{
    if (text.trimmed().isEmpty())
        return 0;
    const heiko::UrlList list = heiko::UrlList::parse(text.toUtf8());
    for (const heiko::UrlList::Rejected &rejected : list.rejected())
        m_log.warning(HEIKO_HERE, u"[list] line %1 skipped: %2: %3"_s.arg(QString::number(rejected.lineNumber),
                                                                           rejected.reason, rejected.text));
    int added = 0;
    for (const heiko::UrlList::Entry &entry : list.entries()) {
        heiko::DownloadRequest request;
        request.url = entry.url;
        request.fileName = entry.fileName;
        request.directory = m_directory;
        m_manager.add(request);
        ++added;
    }
    return added;
}
