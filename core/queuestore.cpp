#include "queuestore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace heiko {

namespace {

constexpr int kVersion = 1;
const QString kFormat = u"heiko-queue"_s;

QJsonObject toJson(const SavedDownload &d)
{
    QJsonObject files { { u"fileName"_s, d.files.fileName },
                        { u"partPath"_s, d.files.partPath },
                        { u"finalPath"_s, d.files.finalPath },
                        { u"etag"_s, QString::fromLatin1(d.files.etag) },
                        { u"lastModified"_s, QString::fromLatin1(d.files.lastModified) },
                        { u"rangesSupported"_s, d.files.rangesSupported },
                        { u"rangesIgnored"_s, d.files.rangesIgnored },
                        { u"skippedExisting"_s, d.files.skippedExisting } };
    if (!d.files.segments.isEmpty()) {
        QJsonArray segments;
        for (const Segment &segment : d.files.segments)
            segments.append(QJsonArray { segment.start, segment.position, segment.end });
        files.insert(u"segments"_s, segments);
    }
    return { { u"url"_s, d.url.toString(QUrl::RemovePassword | QUrl::FullyEncoded) },
             { u"hadPassword"_s, d.hadPassword },
             { u"directory"_s, d.directory },
             { u"requestedName"_s, d.requestedName },
             { u"state"_s, stateName(d.state) },
             { u"files"_s, files },
             { u"bytesTotal"_s, d.bytesTotal },
             { u"durableBytes"_s, d.durableBytes },
             { u"attempts"_s, d.attempts },
             { u"rateLimit"_s, d.rateLimit },
             { u"error"_s, d.errorMessage },
             { u"finalSize"_s, d.finalSize },
             { u"finalModifiedMs"_s, d.finalModifiedMs } };
}

std::optional<DownloadState> stateFromName(const QString &name)
{
    for (const DownloadState state :
         { DownloadState::Queued, DownloadState::Running, DownloadState::Paused, DownloadState::Finished,
           DownloadState::Failed, DownloadState::Cancelled }) {
        if (stateName(state) == name)
            return state;
    }
    return std::nullopt;
}

bool fromJson(const QJsonObject &o, SavedDownload *d)
{
    d->url = QUrl(o.value(u"url"_s).toString(), QUrl::StrictMode);
    const QString scheme = d->url.scheme();
    if (!d->url.isValid() || (scheme != u"http"_s && scheme != u"https"_s))
        return false;
    d->url.setPassword(QString()); // never trust a file to be free of them
    const auto state = stateFromName(o.value(u"state"_s).toString());
    if (!state)
        return false;
    d->state = *state;
    d->hadPassword = o.value(u"hadPassword"_s).toBool();
    d->directory = o.value(u"directory"_s).toString();
    d->requestedName = o.value(u"requestedName"_s).toString();
    const QJsonObject files = o.value(u"files"_s).toObject();
    d->files.fileName = files.value(u"fileName"_s).toString();
    d->files.partPath = files.value(u"partPath"_s).toString();
    d->files.finalPath = files.value(u"finalPath"_s).toString();
    d->files.etag = files.value(u"etag"_s).toString().toLatin1();
    d->files.lastModified = files.value(u"lastModified"_s).toString().toLatin1();
    d->files.rangesSupported = files.value(u"rangesSupported"_s).toBool();
    d->files.rangesIgnored = files.value(u"rangesIgnored"_s).toBool();
    d->files.skippedExisting = files.value(u"skippedExisting"_s).toBool();
    for (const QJsonValue &value : files.value(u"segments"_s).toArray()) {
        const QJsonArray numbers = value.toArray();
        d->files.segments.append(
            { numbers.at(0).toInteger(-1), numbers.at(1).toInteger(-1), numbers.at(2).toInteger(-1) });
    }
    d->bytesTotal = o.value(u"bytesTotal"_s).toInteger(-1);
    if (!segments::isConsistent(d->files.segments, d->bytesTotal)) {
        // Not trusted: that download starts over (its .part, which has holes, is overwritten from zero).
        d->files.segments.clear();
        d->files.rangesSupported = false;
    }
    d->durableBytes = o.value(u"durableBytes"_s).toInteger(-1);
    d->attempts = qMax(0, o.value(u"attempts"_s).toInt());
    d->rateLimit = qMax<qint64>(-1, o.value(u"rateLimit"_s).toInteger(-1));
    d->errorMessage = o.value(u"error"_s).toString();
    d->finalSize = o.value(u"finalSize"_s).toInteger(-1);
    d->finalModifiedMs = o.value(u"finalModifiedMs"_s).toInteger(0);
    return !d->directory.isEmpty();
}

} // namespace

QueueStore::QueueStore(QString path)
    : m_path(std::move(path))
{ }

bool QueueStore::load(QList<SavedDownload> *downloads, QString *error, bool *writtenByNewer) const
{
    downloads->clear();
    if (writtenByNewer)
        *writtenByNewer = false;
    QFile file(m_path);
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read the saved downloads in %1: %2"_s.arg(m_path, file.errorString());
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.read(256 * 1024 * 1024), &parseError);
    const QJsonObject root = document.object();
    if (parseError.error != QJsonParseError::NoError || root.value(u"format"_s).toString() != kFormat) {
        *error = u"the saved downloads in %1 are damaged (%2)"_s.arg(
            m_path,
            parseError.error != QJsonParseError::NoError ? parseError.errorString() : u"not a Heiko queue"_s);
        return false;
    }
    if (const int version = root.value(u"version"_s).toInt(); version > kVersion) {
        *error = u"the saved downloads in %1 were written by a newer Heiko (format %2; this one reads up to "
                 u"%3)"_s.arg(m_path, QString::number(version), QString::number(kVersion));
        if (writtenByNewer)
            *writtenByNewer = true;
        return false;
    }
    int skipped = 0;
    for (const QJsonValue &value : root.value(u"downloads"_s).toArray()) {
        SavedDownload download;
        if (fromJson(value.toObject(), &download))
            downloads->append(download);
        else
            ++skipped;
    }
    if (skipped > 0)
        *error = u"%1 damaged entries in %2 were left out"_s.arg(skipped).arg(m_path);
    return true;
}

QList<SavedDownload> QueueStore::loadAtStart(QString *notice) const
{
    QList<SavedDownload> downloads;
    QString error;
    bool newer = false;
    if (load(&downloads, &error, &newer)) {
        *notice = error;
        return downloads;
    }
    // Set aside, never saved over (the next save writes m_path) and never replacing an earlier one set aside:
    // a damaged file for whoever wants to rescue it, a newer Heiko's for when this one is updated.
    const QString base = m_path + (newer ? u".newer"_s : u".damaged"_s);
    QString aside = base;
    for (int n = 1; QFile::exists(aside) && n < 1000; ++n)
        aside = base + u'.' + QString::number(n);
    if (!QFile::rename(m_path, aside)) {
        *notice = error
            + u"; Heiko starts with an empty list, and could not set the file aside: the next "
              u"save replaces it, so copy it elsewhere to keep it"_s;
        return {};
    }
    *notice = newer ? error
            + u"; Heiko starts with an empty list and keeps that file as %1: after updating "
              u"Heiko, rename it back to %2 to get those downloads back"_s.arg(aside,
                                                                               QFileInfo(m_path).fileName())
                    : error + u"; Heiko starts with an empty list and keeps that file as %1"_s.arg(aside);
    return {};
}

bool QueueStore::save(const QList<SavedDownload> &downloads, QString *error) const
{
    if (downloads.isEmpty()) {
        if (QFile::exists(m_path) && !QFile::remove(m_path)) {
            *error = u"cannot remove %1"_s.arg(m_path);
            return false;
        }
        return true;
    }
    if (!QDir().mkpath(QFileInfo(m_path).absolutePath())) {
        *error = u"cannot create the folder for %1; check that it is writable"_s.arg(m_path);
        return false;
    }
    QJsonArray array;
    for (const SavedDownload &download : downloads)
        array.append(toJson(download));
    const QJsonObject root { { u"format"_s, kFormat },
                             { u"version"_s, kVersion },
                             { u"downloads"_s, array } };
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = u"cannot save the downloads to %1: %2"_s.arg(m_path, file.errorString());
        return false;
    }
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = u"cannot save the downloads to %1: %2; is the disk full?"_s.arg(m_path, file.errorString());
        return false;
    }
    return true;
}

QString QueueStore::headlessStatePath(const QString &dataFolder, const QString &targetFolder)
{
    const QByteArray key
        = QCryptographicHash::hash(QDir(targetFolder).absolutePath().toUtf8(), QCryptographicHash::Sha256)
              .toHex()
              .left(24);
    return QDir(dataFolder).filePath(u"unfinished/"_s + QString::fromLatin1(key) + u".json"_s);
}

} // namespace heiko
