#pragma once

#include <QMainWindow>

class QSpinBox;
class QTableView;
class QSortFilterProxyModel;
class DownloadTableModel;
class LogModel;
namespace heiko {
class DownloadManager;
class LogHub;
} // namespace heiko

// The main window: the downloads table, the workers spin box and the live log dock. It only calls the
// manager's API; all transfers happen on the manager's worker threads.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    MainWindow(heiko::DownloadManager &manager, heiko::LogHub &log, QString directory, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Queues every http(s) URL in the text (one per line); returns how many were queued.
    int addUrlsFromText(const QString &text);

private:
    void buildActions();
    void handleWorkersChanged(int busy, int max);

    heiko::DownloadManager &m_manager;
    heiko::LogHub &m_log;
    QString m_directory;
    DownloadTableModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    LogModel *m_logModel = nullptr;
    QTableView *m_logView = nullptr;
    QSpinBox *m_workers = nullptr;
};
