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

private:
    struct Folder
    {
        QSet<QString> listed; // .part names found by the last listing
        QSet<QString> claimed; // .part names this process created (never forgotten: the disk confirms)
        std::chrono::steady_clock::time_point listedAt;
        bool everListed = false;
        bool tooLarge = false;
    };

    Folder &folderLocked(const QString &folder);

    const std::chrono::milliseconds m_listingMaxAge;
    const qsizetype m_maxListedEntries;
    std::mutex m_mutex;
    QHash<QString, QString> m_canonical; // folder as given -> its canonical path
    QHash<QString, Folder> m_folders; // by canonical path
};

} // namespace heiko
