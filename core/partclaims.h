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
// made, so a look after the create sees it) and those a listing of the folder found, listed at its first
// look and again once the listing is older than `listingMaxAge`. A "yes" is confirmed on the disk by the
// caller; a "no" is trusted. So a .part another program made since the last listing can be missed: the small
// file then takes the name, and that program's download ends under another name, or, if the program renames
// over existing files, replaces it. A folder with more than `maxListedEntries` entries is not listed again;
// every answer for it is "yes", which is the look on the disk for every file. Folders are told apart by
// their canonical path, so a folder reached through a symbolic link is the same folder.
//
// It also knows which download holds which .part (hold()): a paused or failed download keeps its name even
// when its file is gone (the user deleted it), so that no other download takes that name and the first one,
// resumed, cancelled or removed, continues, cuts or deletes the other's file. And a download saving under the
// Overwrite policy does not replace another's .part that happens to have its final name.
//
// Thread-safe; the manager owns one and its workers share it. A listing is made under the lock (the others
// wait for one listing instead of each making its own); its size bounds how long.
class PartClaims final
{
public:
    static constexpr std::chrono::milliseconds kDefaultListingMaxAge { 1000 };
    static constexpr qsizetype kDefaultMaxListedEntries = 20'000;

    explicit PartClaims(std::chrono::milliseconds listingMaxAge = kDefaultListingMaxAge,
                        qsizetype maxListedEntries = kDefaultMaxListedEntries);

    // `folder` as the download names it (relative to the working folder, through links: resolved here, once
    // per spelling); `partName` a file name in it.
    void claim(const QString &folder, const QString &partName);
    bool mayExist(const QString &folder, const QString &partName);

    // `downloadId` holds `partName` (and claims it), and lets go of the one it held before. False, and
    // nothing changes, when another download holds it.
    bool hold(const QString &folder, const QString &partName, int downloadId);
    bool isHeldByAnother(const QString &folder, const QString &name, int downloadId);
    void release(int downloadId); // its .part is gone or became its final file

private:
    struct Folder
    {
        QSet<QString> listed; // .part names found by the last listing
        QSet<QString> claimed; // .part names this process created (never forgotten: the disk confirms)
        QHash<QString, int> held; // .part name -> the download that holds it
        std::chrono::steady_clock::time_point listedAt;
        bool everListed = false;
        bool tooLarge = false;
    };

    struct Held
    {
        QString folder; // canonical
        QString partName;
    };

    QString folderKeyLocked(const QString &folder);
    Folder &folderLocked(const QString &folder) { return m_folders[folderKeyLocked(folder)]; }
    void releaseLocked(int downloadId);

    const std::chrono::milliseconds m_listingMaxAge;
    const qsizetype m_maxListedEntries;
    std::mutex m_mutex;
    QHash<QString, QString> m_canonical; // folder as given -> its canonical path
    QHash<QString, Folder> m_folders; // by canonical path
    QHash<int, Held> m_holds; // by download
};

} // namespace heiko
