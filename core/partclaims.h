#pragma once

#include <QHash>
#include <QSet>
#include <QString>

#include <chrono>
#include <mutex>

namespace heiko {

// Which "NAME.part" files may exist in a folder, so that a small file written whole (and linked in under its
// name without a .part) can leave a name another download's .part has claimed to it without looking on the
// disk for NAME.part each time. That look (an lstat of a name that is not there) waits for the folder's lock,
// which the other workers' links into the same folder hold: on 5,000 small files it was a tenth of the time.
//
// mayExist() answers from memory: the .part files this process created (claim() is called before each is
// made, so a look after the create sees it) and those found by listing the folder, at its first look and
// again once the listing is older than the rescan interval. A "yes" is confirmed on the disk by the caller;
// a "no" is trusted. So a .part made by another program since the last listing can be missed; that costs
// only the order of the names (the other download ends under the next free number, or, if it is Heiko's, it
// does so itself). Thread-safe; the manager owns one and its workers share it.
class PartClaims final
{
public:
    explicit PartClaims(std::chrono::milliseconds rescanAfter = std::chrono::seconds(5));

    // `folder` an absolute, clean path (QDir::cleanPath(QDir::absolutePath())); `partName` a file name in it.
    void claim(const QString &folder, const QString &partName);
    bool mayExist(const QString &folder, const QString &partName);

private:
    struct Folder
    {
        QSet<QString> listed; // .part names found by the last listing
        QSet<QString> claimed; // .part names this process created (never forgotten: the disk confirms)
        std::chrono::steady_clock::time_point listedAt;
        bool everListed = false;
    };

    const std::chrono::milliseconds m_rescanAfter;
    std::mutex m_mutex;
    QHash<QString, Folder> m_folders;
};

} // namespace heiko
