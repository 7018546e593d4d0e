#include "partclaims.h"

#include "platform.h"

#include <QDir>
#include <QFileInfo>

namespace heiko {

PartClaims::PartClaims(std::chrono::milliseconds listingMaxAge, qsizetype maxListedEntries)
    : m_listingMaxAge(listingMaxAge)
    , m_maxListedEntries(maxListedEntries)
{ }

QString PartClaims::folderKeyLocked(const QString &folder)
{
    auto known = m_canonical.constFind(folder);
    if (known == m_canonical.cend()) {
        // Resolved once per spelling (a few lstat calls). A folder that does not exist yet (a download holds
        // its name before its create makes the folder) is its nearest existing parent, resolved, and the
        // rest of the path: the key it will have once made. Resolved again next time.
        const QString canonical = QFileInfo(folder).canonicalFilePath();
        if (canonical.isEmpty()) {
            QString existing = QDir::cleanPath(QDir(folder).absolutePath());
            QStringList missing;
            while (!QFileInfo::exists(existing) && !QDir(existing).isRoot()) {
                const QFileInfo info(existing);
                missing.prepend(info.fileName());
                existing = info.path();
            }
            const QString base = QFileInfo(existing).canonicalFilePath();
            return QDir::cleanPath((base.isEmpty() ? existing : base) + u'/' + missing.join(u'/'));
        }
        known = m_canonical.insert(folder, canonical);
    }
    return *known;
}

void PartClaims::claim(const QString &folder, const QString &partName)
{
    const std::lock_guard locker(m_mutex);
    folderLocked(folder).claimed.insert(partName);
}

bool PartClaims::mayExist(const QString &folder, const QString &partName)
{
    const std::lock_guard locker(m_mutex);
    Folder &entry = folderLocked(folder);
    if (entry.tooLarge || entry.claimed.contains(partName))
        return true;
    const auto now = std::chrono::steady_clock::now();
    if (!entry.everListed || now - entry.listedAt >= m_listingMaxAge) {
        bool tooMany = false;
        const QStringList names = platform::namesEndingWith(folder, u".part", m_maxListedEntries, &tooMany);
        entry.listed = QSet<QString>(names.cbegin(), names.cend());
        entry.listedAt = now;
        entry.everListed = true;
        entry.tooLarge = tooMany;
        if (tooMany)
            return true;
    }
    return entry.listed.contains(partName);
}

bool PartClaims::hold(const QString &folder, const QString &partName, int downloadId)
{
    const std::lock_guard locker(m_mutex);
    const QString key = folderKeyLocked(folder);
    Folder &entry = m_folders[key];
    const auto holder = entry.held.constFind(partName);
    if (holder != entry.held.cend())
        return *holder == downloadId;
    releaseLocked(downloadId);
    entry.held.insert(partName, downloadId);
    entry.claimed.insert(partName);
    m_holds.insert(downloadId, { key, partName });
    return true;
}

bool PartClaims::isHeldByAnother(const QString &folder, const QString &name, int downloadId)
{
    const std::lock_guard locker(m_mutex);
    const Folder &entry = folderLocked(folder);
    const auto holder = entry.held.constFind(name);
    return holder != entry.held.cend() && *holder != downloadId;
}

void PartClaims::release(int downloadId)
{
    const std::lock_guard locker(m_mutex);
    releaseLocked(downloadId);
}

void PartClaims::releaseLocked(int downloadId)
{
    const auto held = m_holds.constFind(downloadId);
    if (held == m_holds.cend())
        return;
    m_folders[held->folder].held.remove(held->partName);
    m_holds.erase(held);
}

} // namespace heiko
