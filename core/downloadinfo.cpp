#include "downloadinfo.h"

using namespace Qt::StringLiterals;

namespace heiko {

QString stateName(DownloadState state)
{
    switch (state) {
    case DownloadState::Queued:
        return u"queued"_s;
    case DownloadState::Running:
        return u"running"_s;
    case DownloadState::Paused:
        return u"paused"_s;
    case DownloadState::Finished:
        return u"finished"_s;
    case DownloadState::Failed:
        return u"failed"_s;
    case DownloadState::Cancelled:
        return u"cancelled"_s;
    }
    return u"unknown"_s;
}

} // namespace heiko
