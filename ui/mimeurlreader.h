#pragma once

#include "urllist.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QStringList>

class QMimeData;

// Turns a drop or the clipboard (the same QMimeData) into URLs. Browsers and file managers offer several
// formats at once; the first that gives something to download wins:
//   1. text/uri-list: http(s) links, and local files (file: URLs), which are read as list files;
//   2. text/html: the links (<a href>) of a browser selection;
//   3. text/plain: every http(s) URL in the text, or a list with out=/dir= (UrlExtractor::fromText()).
// When none gives a URL or a readable file, the result has a refusal saying what the drop held, plus the
// rejected lines of the first format that had any (so the user sees why, e.g. only ftp:// links).
// Local files: folders are refused, and so is any file whose extension is not one of listFileSuffixes()
// (no extension is fine: aria2 input files often have none); the others go through
// UrlExtractor::fromListFile(). One drop reads at most UrlExtractor::kMaxListFileBytes in all, so that the
// window is never stuck reading; files past that are reported, not read.
class MimeUrlReader final
{
    Q_DECLARE_TR_FUNCTIONS(MimeUrlReader)

public:
    // Where the data came from: only the wording of the refusal differs.
    enum class Origin { Drop, Clipboard };

    // Lower case, without the dot: txt, text, lst, list, urls, uris, csv, aria2, session, input, html, htm.
    static QStringList listFileSuffixes();

    struct FileError
    {
        QString path;
        QString message; // a sentence: what failed and what to do
    };

    struct Result
    {
        // Entries from every source read. Each file's rejected lines and warnings have their reason
        // prefixed with the file name ("links.txt: ..."). A file that could not be read at all is also a
        // rejected record there, with line number 0, its name as text and the message as reason, so a
        // preview that lists rejected() shows it; fileErrors holds the same, for a message box.
        heiko::UrlList urls;
        QStringList filesRead; // local list files that were read (even when they held no URL)
        QList<FileError> fileErrors;
        // Not empty when urls has no entry: why nothing can be added, for the status bar or a message box.
        QString refusal;
    };

    // The formats read() looks at, copied out of a QMimeData. QMimeData belongs to the GUI thread (the
    // clipboard's even converts data on demand there); a Snapshot does not, so read(Snapshot) can run on a
    // worker thread: reading a 100 MB list file takes a second or two, which the window should not wait for.
    struct Snapshot
    {
        QByteArray uriList; // raw text/uri-list
        QString html; // QMimeData::html(), decoded as Qt does
        QString text; // QMimeData::text()
        bool hasUriList = false;
        bool hasHtml = false;
        bool hasText = false;
        QStringList formats; // every format offered, for the refusal
    };

    static Snapshot snapshot(const QMimeData &mime);
    static Result read(const Snapshot &snapshot, Origin origin = Origin::Drop);
    static Result read(const QMimeData &mime, Origin origin = Origin::Drop);
};
