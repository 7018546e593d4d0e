#include "jsoneventwriter.h"

#include "downloadinfo.h"

#include <QDateTime>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

JsonEventWriter::JsonEventWriter(std::FILE *stream)
    : m_stream(stream)
{ }

void JsonEventWriter::added(const heiko::DownloadInfo &info)
{
    write(u"added"_s,
          { { u"id"_s, info.id },
            { u"url"_s, info.displayUrl },
            { u"dir"_s, info.directory },
            { u"name"_s, info.fileName } });
}

void JsonEventWriter::started(const heiko::DownloadInfo &info)
{
    write(u"started"_s,
          { { u"id"_s, info.id },
            { u"url"_s, info.displayUrl },
            { u"thread"_s, qint64(info.workerThread) },
            { u"attempt"_s, info.attempt } });
}

void JsonEventWriter::progress(const heiko::DownloadInfo &info)
{
    write(u"progress"_s,
          { { u"id"_s, info.id },
            { u"name"_s, info.fileName },
            { u"bytes"_s, info.bytesReceived },
            { u"total"_s, info.bytesTotal },
            { u"speed"_s, qint64(info.bytesPerSecond) },
            { u"eta"_s, info.etaSeconds } });
}

void JsonEventWriter::finished(const heiko::DownloadInfo &info)
{
    write(u"finished"_s,
          { { u"id"_s, info.id },
            { u"name"_s, info.fileName },
            { u"path"_s, info.filePath },
            { u"bytes"_s, info.bytesReceived },
            { u"thread"_s, qint64(info.workerThread) } });
}

void JsonEventWriter::failed(const heiko::DownloadInfo &info)
{
    QJsonObject object { { u"id"_s, info.id },
                         { u"url"_s, info.displayUrl },
                         { u"name"_s, info.fileName },
                         { u"error"_s, heiko::DownloadError::kindName(info.error.kind()) },
                         { u"message"_s, info.error.message() } };
    if (info.error.httpStatus() != 0)
        object.insert(u"status"_s, info.error.httpStatus());
    write(u"failed"_s, std::move(object));
}

void JsonEventWriter::skipped(const QString &source, const QString &text, const QString &reason)
{
    write(u"skipped"_s, { { u"source"_s, source }, { u"text"_s, text }, { u"reason"_s, reason } });
}

void JsonEventWriter::write(const QString &event, QJsonObject object)
{
    object.insert(u"event"_s, event);
    object.insert(u"time"_s, QDateTime::currentMSecsSinceEpoch());
    const QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), m_stream);
    std::fflush(m_stream);
}
