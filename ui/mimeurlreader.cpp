#include "mimeurlreader.h"

#include "urlextractor.h"

#include <QFileInfo>
#include <QLocale>
#include <QMimeData>

using namespace Qt::StringLiterals;
using heiko::UrlExtractor;
using heiko::UrlList;

namespace {

QString quoted(const QString &name)
{
    return u"\u201C"_s + name + u"\u201D"_s;
}

// The formats a user would recognise, for "this drop held image/png": platform-private ones (X11 TARGETS,
// application/x-qt-...) are left out.
QString describeFormats(const QStringList &formats)
{
    QStringList shown;
    qsizetype hidden = 0;
    for (const QString &format : formats) {
        if (!format.contains(u'/') || format.startsWith(u"application/x-qt-"_s))
            continue;
        if (shown.size() < 3)
            shown.append(format);
        else
            ++hidden;
    }
    if (shown.isEmpty())
        return MimeUrlReader::tr("nothing Heiko can read");
    QString text = shown.join(u", "_s);
    if (hidden > 0)
        text += MimeUrlReader::tr(" and %1 more formats").arg(hidden);
    return text;
}

class Reader final
{
public:
    explicit Reader(MimeUrlReader::Origin origin)
        : m_origin(origin)
    { }

    MimeUrlReader::Result read(const MimeUrlReader::Snapshot &mime);

private:
    void readFiles(const QStringList &paths);
    void addFileError(const QString &path, const QString &message);
    QString here() const
    {
        return m_origin == MimeUrlReader::Origin::Drop ? MimeUrlReader::tr("this drop")
                                                       : MimeUrlReader::tr("the clipboard");
    }
    QString refusalForFiles() const;
    QString refusalForLinks(const UrlList &rejections, const QString &kind) const;

    MimeUrlReader::Origin m_origin;
    MimeUrlReader::Result m_result;
    qint64 m_budget = UrlExtractor::kMaxListFileBytes;
};

MimeUrlReader::Result Reader::read(const MimeUrlReader::Snapshot &mime)
{
    // The first format with rejected lines explains a refusal best (e.g. a uri-list of ftp:// links).
    UrlList rejections;
    QString rejectionsKind;
    const auto keepRejections = [&](UrlList list, const QString &kind) {
        if (rejectionsKind.isEmpty() && !list.rejected().isEmpty()) {
            rejections = std::move(list);
            rejectionsKind = kind;
        }
    };

    if (mime.hasUriList) {
        UrlExtractor::UriListResult uris = UrlExtractor::fromUriList(mime.uriList);
        if (!uris.urls.entries().isEmpty() || !uris.localFiles.isEmpty()) {
            m_result.urls = std::move(uris.urls);
            readFiles(uris.localFiles);
            // Entries empty means local files were dropped and none gave a URL.
            if (m_result.urls.entries().isEmpty())
                m_result.refusal = refusalForFiles();
            return std::move(m_result);
        }
        keepRejections(std::move(uris.urls), MimeUrlReader::tr("links"));
    }
    if (mime.hasHtml) {
        UrlList links = UrlExtractor::fromHtml(mime.html);
        if (!links.entries().isEmpty()) {
            m_result.urls = std::move(links);
            return std::move(m_result);
        }
        keepRejections(std::move(links), MimeUrlReader::tr("HTML links"));
    }
    if (mime.hasText) {
        UrlList text = UrlExtractor::fromText(mime.text);
        if (!text.entries().isEmpty()) {
            m_result.urls = std::move(text);
            return std::move(m_result);
        }
        keepRejections(std::move(text), MimeUrlReader::tr("lines"));
    }

    if (!rejectionsKind.isEmpty()) {
        m_result.urls = std::move(rejections);
        m_result.refusal = refusalForLinks(m_result.urls, rejectionsKind);
    } else if (mime.hasUriList || mime.hasHtml || mime.hasText) {
        m_result.refusal
            = MimeUrlReader::tr("Nothing to add: %1 held no http or https link. Heiko takes links "
                                "(http or https), text or HTML with links, and .txt/.csv/.lst/aria2 "
                                "list files.")
                  .arg(here());
    } else {
        m_result.refusal
            = MimeUrlReader::tr("Heiko takes links (http or https), text or HTML with links, and "
                                ".txt/.csv/.lst/aria2 list files; %1 held %2.")
                  .arg(here(), describeFormats(mime.formats));
    }
    return std::move(m_result);
}

void Reader::readFiles(const QStringList &paths)
{
    const QStringList suffixes = MimeUrlReader::listFileSuffixes();
    for (const QString &path : paths) {
        const QFileInfo info(path);
        const QString name = info.fileName().isEmpty() ? path : info.fileName();
        if (info.isDir()) {
            addFileError(path,
                         MimeUrlReader::tr("%1 is a folder. Heiko does not look inside folders: drop the "
                                           "list files themselves.")
                             .arg(quoted(name)));
            continue;
        }
        const QString suffix = info.suffix().toLower();
        if (!suffix.isEmpty() && !suffixes.contains(suffix)) {
            addFileError(path,
                         MimeUrlReader::tr("%1 is not a list of links (.%2 files are not read). Heiko reads "
                                           "links from .txt, .csv, .lst, .html and aria2 input files.")
                             .arg(quoted(name), suffix));
            continue;
        }
        // The per-file limit is fromListFile()'s; this one is for the drop as a whole.
        if (info.isFile() && info.size() <= UrlExtractor::kMaxListFileBytes && info.size() > m_budget) {
            addFileError(path,
                         MimeUrlReader::tr("%1 was not read: the files before it already hold close to "
                                           "100 MB of lists. Add it on its own.")
                             .arg(quoted(name)));
            continue;
        }
        QString error;
        const UrlList list = UrlExtractor::fromListFile(path, &error);
        if (!error.isEmpty()) {
            addFileError(path, error);
            continue;
        }
        m_budget -= info.size();
        m_result.filesRead.append(path);
        m_result.urls.append(list, name);
    }
}

void Reader::addFileError(const QString &path, const QString &message)
{
    m_result.fileErrors.append({ path, message });
    const QString name = QFileInfo(path).fileName();
    m_result.urls.addRejected(0, (name.isEmpty() ? path : name).toUtf8(), message);
}

QString Reader::refusalForFiles() const
{
    const QList<MimeUrlReader::FileError> &errors = m_result.fileErrors;
    if (m_result.filesRead.isEmpty() && errors.size() == 1)
        return errors.first().message;
    if (m_result.filesRead.isEmpty()) {
        return MimeUrlReader::tr("None of the %1 files could be read. The first: %2")
            .arg(QLocale().toString(errors.size()), errors.first().message);
    }
    const qsizetype skipped = m_result.urls.rejectedLineCount() - errors.size();
    QString text = m_result.filesRead.size() == 1
        ? MimeUrlReader::tr("Nothing to add: %1 holds no http or https link")
              .arg(quoted(QFileInfo(m_result.filesRead.first()).fileName()))
        : MimeUrlReader::tr("Nothing to add: the %1 files hold no http or https link")
              .arg(QLocale().toString(m_result.filesRead.size()));
    if (skipped > 0)
        text += MimeUrlReader::tr(" (%1 lines skipped, see the list for why)")
                    .arg(QLocale().toString(skipped));
    text += u'.';
    if (!errors.isEmpty())
        text += u' ' + MimeUrlReader::tr("%1 more could not be read.").arg(QLocale().toString(errors.size()));
    return text;
}

QString Reader::refusalForLinks(const UrlList &rejections, const QString &kind) const
{
    const UrlList::Rejected &first = rejections.rejected().first();
    const qsizetype count = rejections.rejectedLineCount();
    const QString what = kind.isEmpty() ? MimeUrlReader::tr("links") : kind;
    const QString where
        = first.lineNumber > 0 ? MimeUrlReader::tr("line %1: ").arg(first.lineNumber) : QString();
    return MimeUrlReader::tr(
               "Nothing to add: none of the %1 %2 in %3 can be downloaded (%4%5). Heiko takes http "
               "and https links.")
        .arg(QLocale().toString(count), what, here(), where, first.reason);
}

} // namespace

QStringList MimeUrlReader::listFileSuffixes()
{
    return { u"txt"_s, u"text"_s,  u"lst"_s,     u"list"_s,  u"urls"_s, u"uris"_s,
             u"csv"_s, u"aria2"_s, u"session"_s, u"input"_s, u"html"_s, u"htm"_s };
}

MimeUrlReader::Snapshot MimeUrlReader::snapshot(const QMimeData &mime)
{
    Snapshot snapshot;
    const QString uriList = u"text/uri-list"_s;
    snapshot.hasUriList = mime.hasFormat(uriList);
    if (snapshot.hasUriList)
        snapshot.uriList = mime.data(uriList);
    snapshot.hasHtml = mime.hasHtml();
    if (snapshot.hasHtml)
        snapshot.html = mime.html();
    snapshot.hasText = mime.hasText();
    if (snapshot.hasText)
        snapshot.text = mime.text();
    snapshot.formats = mime.formats();
    return snapshot;
}

MimeUrlReader::Result MimeUrlReader::read(const Snapshot &snapshot, Origin origin)
{
    return Reader(origin).read(snapshot);
}

MimeUrlReader::Result MimeUrlReader::read(const QMimeData &mime, Origin origin)
{
    return read(snapshot(mime), origin);
}
