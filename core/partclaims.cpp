#include "partclaims.h"

#include <QDir>
#include <QDirIterator>

using namespace Qt::StringLiterals;

namespace heiko {

PartClaims::PartClaims(std::chrono::milliseconds rescanAfter)
    : m_rescanAfter(rescanAfter)
{ }

void PartClaims::claim(const QString &folder, const QString &partName)
{
    const std::lock_guard locker(m_mutex);
    m_folders[folder].claimed.insert(partName);
}

bool PartClaims::mayExist(const QString &folder, const QString &partName)
{
    const std::lock_guard locker(m_mutex);
    Folder &entry = m_folders[folder];
    if (entry.claimed.contains(partName))
        return true;
    const auto now = std::chrono::steady_clock::now();
    if (!entry.everListed || now - entry.listedAt >= m_rescanAfter) {
        // Listed under the lock: the other workers wait for one listing instead of each making its own.
        // Symbolic links and other odd entries count too (System): a name something occupies is claimed.
        entry.listed.clear();
        QDirIterator it(folder, { u"*.part"_s },
                        QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
        while (it.hasNext()) {
            it.next();
            entry.listed.insert(it.fileName());
        }
        entry.listedAt = now;
        entry.everListed = true;
    }
    return entry.listed.contains(partName);
}

} // namespace heiko
