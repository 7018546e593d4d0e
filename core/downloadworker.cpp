#include "downloadworker.h"

#include "downloadattempt.h"

#include <QNetworkAccessManager>
#include <QThreadStorage>

namespace heiko {

namespace {

// Each worker thread keeps one QNetworkAccessManager for its whole life: a QNAM may only be used in the
// thread that created it, and keeping it lets the next download on this worker reuse its connections.
// QThreadStorage deletes it in that same thread when the pool retires the thread.
QNetworkAccessManager &threadNetworkAccessManager()
{
    static QThreadStorage<QNetworkAccessManager *> managers;
    if (!managers.hasLocalData()) {
        auto *manager = new QNetworkAccessManager;
        manager->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        manager->setAutoDeleteReplies(false);
        managers.setLocalData(manager);
    }
    return *managers.localData();
}

} // namespace

void runDownloadAttempt(QPromise<AttemptResult> &promise, const AttemptJob &job)
{
    if (promise.isCanceled())
        return;
    DownloadAttempt attempt(job, promise, threadNetworkAccessManager());
    promise.addResult(attempt.run());
}

} // namespace heiko
