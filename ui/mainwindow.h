#pragma once

#include "engineoptions.h"
#include "mimeurlreader.h"

#include <QHash>
#include <QList>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QLabel;
class QLineEdit;
class QMenu;
class QMimeData;
class QSpinBox;
class QTableView;
class QTimer;
class AddUrlsDialog;
class AppSettings;
class DownloadFilterProxy;
class DownloadTableModel;
class LogPanel;
class TrayIcon;
namespace heiko {
class DownloadManager;
class LogHub;
} // namespace heiko

// The main window: the downloads table with its controls, the live log dock, drops and pastes of URL
// lists, settings and the tray. It only calls the manager's API; every transfer runs on the manager's
// worker threads and every byte count arrives through the manager's batched progress.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum class Action {
        Add,
        Paste,
        Start,
        Pause,
        Cancel,
        Retry,
        Remove,
        RemoveWithFiles,
        OpenFile,
        OpenFolder,
        CopyUrl,
        LimitSpeed,
        PauseAll,
        ResumeAll,
        Settings,
        Quit,
    };

    MainWindow(heiko::DownloadManager &manager, heiko::LogHub &log, AppSettings &settings,
               QWidget *parent = nullptr);
    ~MainWindow() override;

    // URLs from the command line or from a second `heiko URL...`: queued at once, no dialog, into
    // `directory` (default: the settings' folder). Lines that are not http(s) URLs are reported in the log.
    // Returns how many were queued.
    int queueUrls(const QStringList &urls, const QString &directory = {});
    // A drop or the clipboard: what it holds is read and shown in the add dialog's preview, or refused with
    // a message that says why.
    void handleMimeData(const QMimeData *mime, MimeUrlReader::Origin origin = MimeUrlReader::Origin::Drop);
    // Opens (or raises) the Add URLs dialog, optionally pre-filled.
    AddUrlsDialog *openAddDialog(const QString &text = {});
    void showAndRaise();
    // Quits the application without asking (the caller asked, or nothing runs): .part files stay.
    void quitNow();

    QList<int> selectedIds() const;
    QAction *action(Action which) const { return m_actions.value(which); }
    DownloadTableModel *downloadModel() const { return m_model; }
    DownloadFilterProxy *downloadProxy() const { return m_proxy; }
    QTableView *downloadView() const { return m_table; }
    LogPanel *logPanel() const { return m_logPanel; }
    QSpinBox *workersSpinBox() const { return m_workers; }
    TrayIcon *trayIcon() const { return m_tray; }
    QString statusSummary() const; // "2 running · 5 queued · 10 finished · 1 failed"
    QString lastMessage() const { return m_lastMessage; } // the last refusal or notice shown to the user

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildMenus();
    void buildToolBar();
    void buildTable();
    void buildLogDock();
    void buildStatusBar();
    void applySettings(const heiko::EngineOptions &engine);
    void updateActions();
    void updateStatus();
    void scheduleStatusUpdate();
    void showMessage(const QString &message);
    void addRequestsFromDialog(AddUrlsDialog *dialog);
    void showReadResult(const MimeUrlReader::Result &read);
    // Groups the model and selection updates of an action on many downloads into one.
    class BulkUpdate final
    {
    public:
        explicit BulkUpdate(MainWindow &window);
        ~BulkUpdate();
        Q_DISABLE_COPY_MOVE(BulkUpdate)

    private:
        MainWindow &m_window;
    };

    void scopeTableShortcuts();
    void forSelected(void (heiko::DownloadManager::*method)(int));
    qint64 unfinishedBytes(const QList<int> &ids) const;
    void removeSelected(bool deleteFiles);
    void cancelSelected();
    void notifyFailures();
    void openFile(int id);
    void openSelectedFile();
    void openSelectedFolder();
    void copySelectedUrls();
    void limitSelected();
    void handleDownloadFailed(int id);
    void handleIdle();
    void handleSelectionChanged();
    bool confirm(const QString &title, const QString &text, const QString &acceptText);
    bool confirmQuit();

    heiko::DownloadManager &m_manager;
    heiko::LogHub &m_log;
    AppSettings &m_settings;
    QHash<Action, QAction *> m_actions;
    DownloadTableModel *m_model = nullptr;
    DownloadFilterProxy *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    QLineEdit *m_filter = nullptr;
    LogPanel *m_logPanel = nullptr;
    QAction *m_logFollowsSelection = nullptr;
    QSpinBox *m_workers = nullptr;
    QSpinBox *m_overallLimit = nullptr; // KiB/s, 0 = none
    QLabel *m_countsLabel = nullptr;
    QLabel *m_speedLabel = nullptr;
    QLabel *m_workersLabel = nullptr;
    QTimer *m_statusTimer = nullptr;
    QMenu *m_contextMenu = nullptr;
    QMenu *m_trayMenu = nullptr;
    TrayIcon *m_tray = nullptr;
    QPointer<AddUrlsDialog> m_addDialog;
    QString m_lastMessage;
    bool m_quitConfirmed = false;
    int m_bulkDepth = 0;
    QTimer *m_actionsTimer = nullptr;
    QTimer *m_failureTimer = nullptr;
    QList<int> m_failedToNotify;
    int m_finishedSinceIdle = 0;
    int m_failedSinceIdle = 0;
    bool m_toldAboutTray = false;
};
