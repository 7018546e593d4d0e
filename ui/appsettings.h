#pragma once

#include "engineoptions.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QString>
#include <QStringView>

#include <optional>

class QSettings;

// The window's persistent settings, typed, over a QSettings the caller owns (the app passes one in the
// default location, the tests an INI file in a temporary folder).
//
// The file is user-editable, so nothing read from it is trusted: numbers out of range are clamped to the
// nearest valid value, anything unreadable (a word where a number belongs, an unknown policy, a relative
// folder) falls back to the default. Setters clamp too, so what is written is always valid.
//
// Keys are grouped: "engine/..." for the download engine, "downloads/..." for where and how new downloads
// go, "ui/..." for the window.
class AppSettings final
{
    Q_DISABLE_COPY_MOVE(AppSettings)
    Q_DECLARE_TR_FUNCTIONS(AppSettings)

public:
    static constexpr int kMinWorkers = 1;
    static constexpr int kMaxWorkers = heiko::EngineOptions::kMaxWorkersLimit; // 64
    static constexpr int kMinConnections = 1;
    static constexpr int kMaxConnections = heiko::EngineOptions::kMaxConnectionsLimit; // 16, per file
    static constexpr int kMinConnectionsOverall = 1;
    static constexpr int kMaxConnectionsOverall = 1024; // as --max-connections
    static constexpr int kMinTimeoutSeconds = 1;
    static constexpr int kMaxTimeoutSeconds = 86'400; // one day
    static constexpr int kMinRetries = 0;
    static constexpr int kMaxRetries = 100;

    explicit AppSettings(QSettings &settings);

    // Only maxWorkers, connectionsPerFile, timeout, retries, collisionPolicy, maxConnectionsPerHost,
    // maxConnections and the two rate limits are stored; the other fields are the defaults of
    // heiko::EngineOptions. The timeout is stored in whole seconds, the rate limits in whole KiB/s.
    heiko::EngineOptions engineOptions() const;
    void setEngineOptions(const heiko::EngineOptions &options);

    QString downloadFolder() const; // absolute; default: the user's download folder
    void setDownloadFolder(const QString &folder); // an empty or relative path restores the default

    bool startAutomatically() const; // true: added downloads start at once; false: they are added paused
    void setStartAutomatically(bool start);
    bool notifications() const; // desktop notifications when downloads finish or fail
    void setNotifications(bool enabled);
    bool closeToTray() const; // closing the window hides it to the tray instead of quitting
    void setCloseToTray(bool enabled);

    QByteArray windowGeometry() const; // QWidget::saveGeometry(); empty when never saved
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray windowState() const; // QMainWindow::saveState(); empty when never saved
    void setWindowState(const QByteArray &state);
    QByteArray tableHeaderState() const; // column order, widths and sort of the downloads table
    void setTableHeaderState(const QByteArray &state);

    // Writes pending changes to disk now (QSettings otherwise does it later). Returns why that failed (what
    // to do included), or an empty string.
    QString sync();

    // The values a fresh installation has; the settings dialog's Restore Defaults uses them.
    static heiko::EngineOptions defaultEngineOptions();
    static QString defaultDownloadFolder();
    static constexpr bool kDefaultStartAutomatically = true;
    static constexpr bool kDefaultNotifications = true;
    static constexpr bool kDefaultCloseToTray = false;

    // The engine options with every stored field clamped into its valid range.
    static heiko::EngineOptions clamped(heiko::EngineOptions options);

    // "rename", "overwrite", "skip": the words stored in the file. Parsing ignores case and surrounding
    // spaces; an unknown word gives std::nullopt.
    static QString collisionPolicyName(heiko::CollisionPolicy policy);
    static std::optional<heiko::CollisionPolicy> collisionPolicyFromName(QStringView name);

private:
    int readInt(const QString &key, int defaultValue, int min, int max) const;
    bool readBool(const QString &key, bool defaultValue) const;

    QSettings &m_settings;
};
