#include "appsettings.h"

#include "units.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <QVariant>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;
using heiko::CollisionPolicy;
using heiko::EngineOptions;

namespace {

const QString kMaxWorkersKey = u"engine/maxWorkers"_s;
const QString kConnectionsKey = u"engine/connectionsPerFile"_s;
const QString kTimeoutKey = u"engine/timeoutSeconds"_s;
const QString kRetriesKey = u"engine/retries"_s;
const QString kCollisionKey = u"engine/collisionPolicy"_s;
const QString kPerHostKey = u"engine/maxConnectionsPerHost"_s;
const QString kOverallConnectionsKey = u"engine/maxConnections"_s;
const QString kOverallLimitKey = u"engine/overallLimitKiBps"_s;
const QString kDownloadLimitKey = u"engine/downloadLimitKiBps"_s;
constexpr int kMaxLimitKiB = 10'000'000; // 10 GB/s: anything above is "no limit" in practice
const QString kFolderKey = u"downloads/folder"_s;
const QString kStartKey = u"downloads/startAutomatically"_s;
const QString kNotificationsKey = u"ui/notifications"_s;
const QString kCloseToTrayKey = u"ui/closeToTray"_s;
const QString kGeometryKey = u"ui/windowGeometry"_s;
const QString kStateKey = u"ui/windowState"_s;
const QString kHeaderKey = u"ui/tableHeaderState"_s;

int timeoutSeconds(std::chrono::milliseconds timeout)
{
    const auto seconds = std::chrono::round<std::chrono::seconds>(timeout).count();
    return static_cast<int>(
        std::clamp<qint64>(seconds, AppSettings::kMinTimeoutSeconds, AppSettings::kMaxTimeoutSeconds));
}

// A hand-edited "~/Downloads" is what people write; any other relative path would depend on the working
// directory the app happens to start in, so it is not accepted.
QString absoluteFolder(const QString &folder)
{
    QString path = QDir::fromNativeSeparators(folder.trimmed());
    if (path == u"~" || path.startsWith(u"~/"))
        path = QDir::homePath() + path.sliced(1);
    if (path.isEmpty() || !QDir::isAbsolutePath(path))
        return {};
    return QDir::cleanPath(path);
}

} // namespace

AppSettings::AppSettings(QSettings &settings)
    : m_settings(settings)
{ }

EngineOptions AppSettings::defaultEngineOptions()
{
    return clamped(EngineOptions {});
}

QString AppSettings::defaultDownloadFolder()
{
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    return folder.isEmpty() ? QDir::homePath() : QDir::cleanPath(folder);
}

EngineOptions AppSettings::clamped(EngineOptions options)
{
    options.maxWorkers = std::clamp(options.maxWorkers, kMinWorkers, kMaxWorkers);
    options.connectionsPerFile = std::clamp(options.connectionsPerFile, kMinConnections, kMaxConnections);
    options.timeout = std::chrono::seconds(timeoutSeconds(options.timeout));
    options.retries = std::clamp(options.retries, kMinRetries, kMaxRetries);
    options.maxConnectionsPerHost = std::clamp(options.maxConnectionsPerHost, 1, kMaxWorkers);
    options.maxConnections
        = std::clamp(options.maxConnections, kMinConnectionsOverall, kMaxConnectionsOverall);
    options.overallRateLimit = std::clamp<qint64>(options.overallRateLimit, 0, qint64(kMaxLimitKiB) * 1024);
    options.downloadRateLimit = std::clamp<qint64>(options.downloadRateLimit, 0, qint64(kMaxLimitKiB) * 1024);
    switch (options.collisionPolicy) {
    case CollisionPolicy::Rename:
    case CollisionPolicy::Overwrite:
    case CollisionPolicy::Skip:
        break;
    default: // a value cast from an out-of-range integer
        options.collisionPolicy = CollisionPolicy::Rename;
    }
    return options;
}

QString AppSettings::collisionPolicyName(CollisionPolicy policy)
{
    switch (policy) {
    case CollisionPolicy::Rename:
        return u"rename"_s;
    case CollisionPolicy::Overwrite:
        return u"overwrite"_s;
    case CollisionPolicy::Skip:
        return u"skip"_s;
    }
    return u"rename"_s;
}

std::optional<CollisionPolicy> AppSettings::collisionPolicyFromName(QStringView name)
{
    const QStringView word = name.trimmed();
    for (const CollisionPolicy policy :
         { CollisionPolicy::Rename, CollisionPolicy::Overwrite, CollisionPolicy::Skip }) {
        if (word.compare(collisionPolicyName(policy), Qt::CaseInsensitive) == 0)
            return policy;
    }
    return std::nullopt;
}

EngineOptions AppSettings::engineOptions() const
{
    const EngineOptions defaults = defaultEngineOptions();
    EngineOptions options = defaults;
    options.maxWorkers = readInt(kMaxWorkersKey, defaults.maxWorkers, kMinWorkers, kMaxWorkers);
    options.connectionsPerFile
        = readInt(kConnectionsKey, defaults.connectionsPerFile, kMinConnections, kMaxConnections);
    options.timeout = std::chrono::seconds(
        readInt(kTimeoutKey, timeoutSeconds(defaults.timeout), kMinTimeoutSeconds, kMaxTimeoutSeconds));
    options.retries = readInt(kRetriesKey, defaults.retries, kMinRetries, kMaxRetries);
    options.collisionPolicy = collisionPolicyFromName(m_settings.value(kCollisionKey).toString())
                                  .value_or(defaults.collisionPolicy);
    options.maxConnectionsPerHost = readInt(kPerHostKey, defaults.maxConnectionsPerHost, 1, kMaxWorkers);
    options.maxConnections = readInt(kOverallConnectionsKey, defaults.maxConnections, kMinConnectionsOverall,
                                     kMaxConnectionsOverall);
    options.overallRateLimit = qint64(readInt(kOverallLimitKey, 0, 0, kMaxLimitKiB)) * 1024;
    options.downloadRateLimit = qint64(readInt(kDownloadLimitKey, 0, 0, kMaxLimitKiB)) * 1024;
    return options;
}

void AppSettings::setEngineOptions(const EngineOptions &options)
{
    const EngineOptions valid = clamped(options);
    m_settings.setValue(kMaxWorkersKey, valid.maxWorkers);
    m_settings.setValue(kConnectionsKey, valid.connectionsPerFile);
    m_settings.setValue(kTimeoutKey, timeoutSeconds(valid.timeout));
    m_settings.setValue(kRetriesKey, valid.retries);
    m_settings.setValue(kCollisionKey, collisionPolicyName(valid.collisionPolicy));
    m_settings.setValue(kPerHostKey, valid.maxConnectionsPerHost);
    m_settings.setValue(kOverallConnectionsKey, valid.maxConnections);
    // Whole KiB/s, as the settings show them: a limit below 1 KiB/s is saved as 1, not as none.
    m_settings.setValue(kOverallLimitKey, heiko::units::rateAsKiB(valid.overallRateLimit, kMaxLimitKiB));
    m_settings.setValue(kDownloadLimitKey, heiko::units::rateAsKiB(valid.downloadRateLimit, kMaxLimitKiB));
}

QString AppSettings::downloadFolder() const
{
    const QString folder = absoluteFolder(m_settings.value(kFolderKey).toString());
    return folder.isEmpty() ? defaultDownloadFolder() : folder;
}

void AppSettings::setDownloadFolder(const QString &folder)
{
    const QString path = absoluteFolder(folder);
    if (path.isEmpty())
        m_settings.remove(kFolderKey);
    else
        m_settings.setValue(kFolderKey, path);
}

bool AppSettings::startAutomatically() const
{
    return readBool(kStartKey, kDefaultStartAutomatically);
}

void AppSettings::setStartAutomatically(bool start)
{
    m_settings.setValue(kStartKey, start);
}

bool AppSettings::notifications() const
{
    return readBool(kNotificationsKey, kDefaultNotifications);
}

void AppSettings::setNotifications(bool enabled)
{
    m_settings.setValue(kNotificationsKey, enabled);
}

bool AppSettings::closeToTray() const
{
    return readBool(kCloseToTrayKey, kDefaultCloseToTray);
}

void AppSettings::setCloseToTray(bool enabled)
{
    m_settings.setValue(kCloseToTrayKey, enabled);
}

// Qt's restoreGeometry()/restoreState() check their own format and refuse garbage, so these are passed
// through as they are.
QByteArray AppSettings::windowGeometry() const
{
    return m_settings.value(kGeometryKey).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray &geometry)
{
    m_settings.setValue(kGeometryKey, geometry);
}

QByteArray AppSettings::windowState() const
{
    return m_settings.value(kStateKey).toByteArray();
}

QByteArray AppSettings::tableHeaderState() const
{
    return m_settings.value(kHeaderKey).toByteArray();
}

void AppSettings::setTableHeaderState(const QByteArray &state)
{
    m_settings.setValue(kHeaderKey, state);
}

void AppSettings::setWindowState(const QByteArray &state)
{
    m_settings.setValue(kStateKey, state);
}

QString AppSettings::sync()
{
    m_settings.sync();
    switch (m_settings.status()) {
    case QSettings::NoError:
        return {};
    case QSettings::AccessError:
        return tr("The settings could not be saved to %1; they apply until Heiko quits. Check that the file "
                  "and its folder are writable.")
            .arg(QDir::toNativeSeparators(m_settings.fileName()));
    case QSettings::FormatError:
        return tr("The settings file %1 is damaged, so the settings could not be saved; they apply until "
                  "Heiko quits. Move the file away to start from the defaults.")
            .arg(QDir::toNativeSeparators(m_settings.fileName()));
    }
    return {};
}

int AppSettings::readInt(const QString &key, int defaultValue, int min, int max) const
{
    const QVariant value = m_settings.value(key);
    if (!value.isValid())
        return defaultValue;
    // An INI file gives strings; "999", "-5", "1e9" and "12.5" are all numbers a person may write, and
    // one too large for an int is still "too large", so parse as double and clamp before converting.
    bool ok = false;
    const qlonglong whole = value.toLongLong(&ok);
    if (ok)
        return static_cast<int>(std::clamp<qlonglong>(whole, min, max));
    const double number = value.toDouble(&ok);
    if (!ok || !std::isfinite(number))
        return defaultValue;
    return static_cast<int>(std::lround(std::clamp(number, double(min), double(max))));
}

bool AppSettings::readBool(const QString &key, bool defaultValue) const
{
    const QVariant value = m_settings.value(key);
    if (!value.isValid())
        return defaultValue;
    if (value.typeId() == QMetaType::Bool)
        return value.toBool();
    // QVariant::toBool() calls any non-empty word but "false" and "0" true: "banana" must not be.
    const QString word = value.toString().trimmed().toLower();
    if (word == u"true" || word == u"1" || word == u"yes" || word == u"on")
        return true;
    if (word == u"false" || word == u"0" || word == u"no" || word == u"off")
        return false;
    return defaultValue;
}
